/**
 * `pnpm bench agent`: the node agent at cluster scale (10,000 endpoints of which 100
 * local, 1,000 policies, 500 namespaces; `--endpoints N --policies N --namespaces N`
 * choose another size; `--cnps N` adds N ClusterNetworkPolicies selecting every pod,
 * clusterPolicies.ts), into throwaway network namespaces.
 *
 *  (a) calc: time from the first full state to its messages
 *  (b) apply: Dataplane.apply() of those messages into a fresh netns
 *  (c) a full apply against a plain replay of the very same `ipset restore` /
 *      `iptables-restore` inputs into another fresh netns, median of 5 runs, with the
 *      apply's breakdown (applyRatio.ts); ratio target <= 1.5
 *  (d) a new pod matching 100 selectors: time to programmed; only ipsets change
 *      (0 iptables-restore calls); target < 20 ms
 *  (e) one policy's rules changed: time and chains written (only that policy's chain)
 *  (g) with --cnps: one CNP changed (rule action; priority keeping the order;
 *      priority changing it): time and which chains were rewritten, by kind
 *  (f) peak RSS
 * Human lines go to stderr; the last stdout line is one JSON object.
 */
import { loadavg } from 'node:os';
import { API_VERSION, type Endpoint, type Policy } from '@palisade/model';
import { errorMessage, parseSizeFlags, silentLogger, type BenchSize } from '@palisade/common';
import { CalcGraph, type CalcInput } from '../src/calc/index.js';
import { syntheticCluster } from '../src/calc/testing/synthetic.js';
import { Dataplane, type ApplyBreakdown } from '../src/dataplane/index.js';
import { createNetns, deleteNetns, uniqueNetnsName } from '../src/testing/netns.js';
import {
  applyVsRestore,
  describeBreakdown,
  isWrite,
  nsEnterExec,
  recording,
  replay,
  type Recorded,
} from './applyRatio.js';
import {
  benchClusterPolicies,
  chainsRewritten,
  cnpEdits,
  describeChains,
  type ChainsRewritten,
} from './clusterPolicies.js';

const NODE = 'bench-node';
const SELECTORS = 100;
const LOCAL_ENDPOINTS = 100;
const say = (s: string): boolean => process.stderr.write(`${s}\n`);
const ms = (t0: number): number => Math.round((performance.now() - t0) * 100) / 100;

/** 100 policies, in a namespace with a local endpoint, each admitting `has(bench-k)` peers. */
function benchPolicies(inputs: CalcInput[]): CalcInput[] {
  const local = inputs.find(
    (i): i is Extract<CalcInput, { kind: 'endpoint' }> =>
      i.kind === 'endpoint' && i.value?.spec.node === NODE,
  );
  const ns = local!.ref.namespace;
  return Array.from({ length: SELECTORS }, (_, k) => {
    const value: Policy = {
      apiVersion: API_VERSION,
      kind: 'Policy',
      metadata: { namespace: ns, name: `bench-${k}` },
      spec: {
        order: 1000,
        selector: `pal:namespace == '${ns}'`,
        types: ['Ingress'],
        ingress: [
          {
            action: 'Allow',
            ports: [{ protocol: 'TCP', port: 80 }],
            peers: [{ selector: `has(bench-${k})` }],
          },
        ],
        egress: [],
      },
    };
    return { kind: 'policy', ref: { namespace: ns, name: value.metadata.name }, value };
  });
}

/** The cluster size and --cnps from the command line; exits with usage on a bad flag. */
function benchSize(): BenchSize & { cnps: number } {
  const argv = process.argv.slice(2);
  try {
    const size = parseSizeFlags(argv, {
      defaults: { endpoints: 10_000, policies: 1_000, namespaces: 500 },
      min: { endpoints: LOCAL_ENDPOINTS, policies: SELECTORS },
      otherFlags: ['cnps'],
    });
    return { ...size, cnps: cnpsFlag(argv) };
  } catch (err) {
    process.stderr.write(`bench agent: ${errorMessage(err)}\n`);
    process.exit(2);
  }
}

/** `--cnps N` / `--cnps=N`: ClusterNetworkPolicies in the model, default 0. */
function cnpsFlag(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--cnps' || a.startsWith('--cnps='));
  if (i === -1) return 0;
  const raw = argv[i]!.includes('=') ? argv[i]!.slice('--cnps='.length) : argv[i + 1];
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || n > 990)
    throw new Error(`--cnps needs an integer 0..990, got '${raw ?? ''}'`);
  return n;
}

/** Heap and RSS right now, MiB (the synthetic inputs still included). */
function memoryNowMb(): { heapUsedMb: number; rssMb: number } {
  const m = process.memoryUsage();
  return { heapUsedMb: Math.round(m.heapUsed / 2 ** 20), rssMb: Math.round(m.rss / 2 ** 20) };
}

/** User + system CPU of this process since `from`, ms. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return Math.round((d.user + d.system) / 1000);
}

function newPod(namespaces: number): Endpoint {
  return {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace: `ns-${namespaces - 1}`, name: 'bench-new-pod' },
    spec: {
      node: 'node-7',
      ips: ['10.250.0.1'],
      labels: Object.fromEntries(Array.from({ length: SELECTORS }, (_, k) => [`bench-${k}`, 'x'])),
      ports: [],
    },
  };
}

interface Bench {
  calc: CalcGraph;
  dp: Dataplane;
  log: Recorded[];
  ns: string;
}

/** Feeds `inputs` to calc and applies what it sends; the time, the result and the writes. */
async function change(b: Bench, inputs: CalcInput[]) {
  b.log.length = 0;
  const t0 = performance.now();
  for (const i of inputs) b.calc.onUpdate(i);
  const msgs = b.calc.flush();
  const calcMs = ms(t0);
  b.dp.onMessages(msgs);
  const applied = await b.dp.apply();
  return { ms: ms(t0), calcMs, msgs, applied, writes: b.log.filter(isWrite) };
}

/** (d): a pod on another node, in 100 selectors' sets. */
async function newPodScenario(b: Bench, namespaces: number) {
  const r = await change(b, [
    {
      kind: 'endpoint',
      ref: { namespace: `ns-${namespaces - 1}`, name: 'bench-new-pod' },
      value: newPod(namespaces),
    },
  ]);
  const setsChanged = r.msgs.filter(
    (m) => m.type === 'IpSetDeltaUpdate' || m.type === 'IpSetUpdate',
  ).length;
  // The floor: the same ipset input again (idempotent with -exist), nothing else.
  const floor = await replay(nsEnterExec(b.ns), r.writes);
  const podFloorMs = Math.round(floor.reduce((n, c) => n + c.ms, 0) * 100) / 100;
  say(
    `(d) new pod in ${setsChanged} ipsets: ${r.ms} ms (calc ${r.calcMs} ms; one bare 'ipset restore' of the same input: ${podFloorMs} ms), iptables-restore calls ${r.applied.iptablesRestoreCalls}, ipset calls ${r.applied.ipsetCalls} (target < 20 ms, 0 iptables)`,
  );
  say(`    ${describeBreakdown(r.applied.breakdown)}`);
  return {
    ms: r.ms,
    calcMs: r.calcMs,
    bareIpsetRestoreMs: podFloorMs,
    ipsetsChanged: setsChanged,
    iptablesRestoreCalls: r.applied.iptablesRestoreCalls,
    ipsetCalls: r.applied.ipsetCalls,
    targetMs: 20,
    breakdown: r.applied.breakdown,
  };
}

/** (e): one namespaced policy's port changes. */
async function policyScenario(b: Bench, inputs: CalcInput[]) {
  const changed = inputs.find((i) => i.kind === 'policy' && i.ref.name === 'bench-0') as Extract<
    CalcInput,
    { kind: 'policy' }
  >;
  const edited = structuredClone(changed.value!);
  edited.spec.ingress[0]!.ports = [{ protocol: 'TCP', port: 81 }];
  const r = await change(b, [{ kind: 'policy', ref: changed.ref, value: edited }]);
  const rewritten = chainsRewritten(r.writes);
  say(
    `(e) one policy's rules changed: ${r.ms} ms, ${r.applied.chainsWritten} chain(s), ${r.applied.rulesWritten} rule(s) written: ${describeChains(rewritten)}`,
  );
  return {
    ms: r.ms,
    chainsWritten: r.applied.chainsWritten,
    rulesWritten: r.applied.rulesWritten,
    chains: rewritten,
  };
}

/** (g): one Admin CNP changed three ways, each applied on its own. */
async function cnpScenario(b: Bench) {
  const out: {
    what: string;
    expect: string;
    ms: number;
    iptablesRestoreCalls: number;
    rulesWritten: number;
    chains: ChainsRewritten;
    breakdown: ApplyBreakdown;
  }[] = [];
  for (const edit of cnpEdits()) {
    const r = await change(b, [
      { kind: 'clusterPolicy', name: edit.value.metadata.name, value: edit.value },
    ]);
    const chains = chainsRewritten(r.writes);
    out.push({
      what: edit.what,
      expect: edit.expect,
      ms: r.ms,
      iptablesRestoreCalls: r.applied.iptablesRestoreCalls,
      rulesWritten: r.applied.rulesWritten,
      chains,
      breakdown: r.applied.breakdown,
    });
    say(
      `(g) CNP ${edit.value.metadata.name} ${edit.what}: ${r.ms} ms (calc ${r.calcMs} ms), ${r.applied.rulesWritten} rule(s), ${describeChains(chains)} (ideal: ${edit.expect})`,
    );
    say(`    ${describeBreakdown(r.applied.breakdown)}`);
  }
  return out;
}

async function main(): Promise<void> {
  const size = benchSize();
  const nsA = uniqueNetnsName('bench-a');
  try {
    const base = syntheticCluster({
      endpoints: size.endpoints,
      localEndpoints: LOCAL_ENDPOINTS,
      policies: size.policies - SELECTORS,
      namespaces: size.namespaces,
      nodeName: NODE,
    });
    const inputs = [...base, ...benchPolicies(base), ...benchClusterPolicies(size.cnps)];
    say(
      `cluster: ${JSON.stringify(size)}, ${LOCAL_ENDPOINTS} endpoints local; ${JSON.stringify(memoryNowMb())} with the inputs built`,
    );

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const calc = new CalcGraph({ nodeName: NODE });
    for (const i of inputs) calc.onUpdate(i);
    const first = calc.flush();
    const calcMs = ms(t0);
    // CPU time as well as wall time: on a shared machine the wall time mostly measures the load.
    const calcCpuMs = cpuMs(cpu0);
    const afterCalc = memoryNowMb();
    say(
      `(a) calc to first full state: ${calcMs} ms, ${calcCpuMs} ms CPU (${first.length} messages, ${JSON.stringify(calc.stats())})`,
    );

    await createNetns(nsA);
    const log: Recorded[] = [];
    const dp = new Dataplane({
      exec: recording(nsEnterExec(nsA), log),
      logger: silentLogger(),
      ipv6: true,
      backend: 'nft',
      nflogGroup: 1,
    });
    const b: Bench = { calc, dp, log, ns: nsA };
    dp.onMessages(first);
    const t1 = performance.now();
    const applied = await dp.apply();
    const applyMs = ms(t1);
    const { breakdown, ...counts } = applied;
    say(`(b) first apply into a fresh netns: ${applyMs} ms ${JSON.stringify(counts)}`);
    say(`    ${describeBreakdown(breakdown)}`);

    const c = await applyVsRestore(first, { runs: 5, say });
    const newPodResult = await newPodScenario(b, size.namespaces);
    const policyChange = await policyScenario(b, inputs);
    const cnpChange = size.cnps > 0 ? await cnpScenario(b) : undefined;

    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    say(`(f) peak RSS: ${peakRssMb} MiB`);
    const result = {
      bench: 'agent',
      scale: { ...size, localEndpoints: LOCAL_ENDPOINTS },
      calcMs,
      calcCpuMs,
      afterCalc,
      applyMs,
      baselineMs: c.medianBaselineMs,
      applyToBaselineRatio: c.medianRatio,
      applyToBaselineTarget: c.target,
      applyVsRestore: c,
      firstApply: applied,
      newPod: newPodResult,
      policyChange,
      ...(cnpChange ? { cnpChange } : {}),
      peakRssMb,
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await deleteNetns(nsA).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
