/**
 * `pnpm bench agent`: the node agent at cluster scale (10,000 endpoints of which 100
 * local, 1,000 policies, 500 namespaces; `--endpoints N --policies N --namespaces N`
 * choose another size), into throwaway network namespaces.
 *
 *  (a) calc: time from the first full state to its messages
 *  (b) apply: Dataplane.apply() of those messages into a fresh netns
 *  (c) a full apply against a plain replay of the very same `ipset restore` /
 *      `iptables-restore` inputs into another fresh netns, median of 5 runs, with a
 *      breakdown of the apply (applyRatio.ts); ratio target <= 1.5
 *  (d) a new pod matching 100 selectors: time to programmed; only ipsets change
 *      (0 iptables-restore calls); target < 20 ms
 *  (e) one policy's rules changed: time and rules written (only that policy's chain)
 *  (f) peak RSS
 * Human lines go to stderr; the last stdout line is one JSON object.
 */
import { loadavg } from 'node:os';
import { API_VERSION, type Endpoint, type Policy } from '@palisade/model';
import { errorMessage, parseSizeFlags, silentLogger, type BenchSize } from '@palisade/common';
import { CalcGraph, type CalcInput } from '../src/calc/index.js';
import { syntheticCluster } from '../src/calc/testing/synthetic.js';
import { Dataplane, realExec, type Exec } from '../src/dataplane/index.js';
import { createNetns, deleteNetns, uniqueNetnsName } from '../src/testing/netns.js';
import { applyVsRestore } from './applyRatio.js';

const NODE = 'bench-node';
const SELECTORS = 100;
const LOCAL_ENDPOINTS = 100;
const say = (s: string): boolean => process.stderr.write(`${s}\n`);
const ms = (t0: number): number => Math.round((performance.now() - t0) * 100) / 100;

interface Recorded {
  cmd: string;
  args: string[];
  input?: string;
}

function recording(inner: Exec, log: Recorded[]): Exec {
  return (cmd, args, opts) => {
    log.push({ cmd, args, ...(opts?.input !== undefined ? { input: opts.input } : {}) });
    return inner(cmd, args, opts);
  };
}

/**
 * Runs commands in `ns` through nsenter: the agent itself runs inside its node's
 * namespace, and `ip netns exec` (which also sets up a mount namespace) would add
 * ~10-20 ms per command that production never pays. Used for (b), (c) and (d) alike.
 */
function nsExec(ns: string): Exec {
  return (cmd, args, opts) => realExec('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args], opts);
}

const isWrite = (r: Recorded): boolean => r.args.includes('restore') || r.cmd.endsWith('-restore');

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

/** The cluster size from the command line (size flags); exits with usage on a bad flag. */
function benchSize(): BenchSize {
  try {
    return parseSizeFlags(process.argv.slice(2), {
      defaults: { endpoints: 10_000, policies: 1_000, namespaces: 500 },
      min: { endpoints: LOCAL_ENDPOINTS, policies: SELECTORS },
    });
  } catch (err) {
    process.stderr.write(`bench agent: ${errorMessage(err)}\n`);
    process.exit(2);
  }
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

async function replay(ns: string, writes: Recorded[]): Promise<number> {
  const exec = nsExec(ns);
  const t0 = performance.now();
  for (const w of writes) {
    const res = await exec(w.cmd, w.args, w.input === undefined ? undefined : { input: w.input });
    if (res.code !== 0)
      throw new Error(`replay of ${w.cmd} ${w.args.join(' ')} failed: ${res.stderr}`);
  }
  return ms(t0);
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
    const inputs = [...base, ...benchPolicies(base)];
    say(
      `cluster: ${JSON.stringify(size)}, ${LOCAL_ENDPOINTS} endpoints local; ${JSON.stringify(memoryNowMb())} with the inputs built`,
    );

    let t0 = performance.now();
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
      exec: recording(nsExec(nsA), log),
      logger: silentLogger(),
      ipv6: true,
      backend: 'nft',
      nflogGroup: 1,
    });
    dp.onMessages(first);
    t0 = performance.now();
    const applied = await dp.apply();
    const applyMs = ms(t0);
    say(`(b) first apply into a fresh netns: ${applyMs} ms ${JSON.stringify(applied)}`);

    const c = await applyVsRestore(first, { runs: 5, say });
    log.length = 0;
    t0 = performance.now();
    calc.onUpdate({
      kind: 'endpoint',
      ref: { namespace: `ns-${size.namespaces - 1}`, name: 'bench-new-pod' },
      value: newPod(size.namespaces),
    });
    const podMsgs = calc.flush();
    const podCalcMs = ms(t0);
    dp.onMessages(podMsgs);
    const podApply = await dp.apply();
    const podMs = ms(t0);
    const setsChanged = podMsgs.filter(
      (m) => m.type === 'IpSetDeltaUpdate' || m.type === 'IpSetUpdate',
    ).length;
    // The floor: the same ipset input again (idempotent with -exist), nothing else.
    const podFloorMs = await replay(nsA, log.filter(isWrite));
    say(
      `(d) new pod in ${setsChanged} ipsets: ${podMs} ms (calc ${podCalcMs} ms; one bare 'ipset restore' of the same input: ${podFloorMs} ms), iptables-restore calls ${podApply.iptablesRestoreCalls}, ipset calls ${podApply.ipsetCalls} (target < 20 ms, 0 iptables)`,
    );

    const changed = inputs.find((i) => i.kind === 'policy' && i.ref.name === 'bench-0') as Extract<
      CalcInput,
      { kind: 'policy' }
    >;
    const edited = structuredClone(changed.value!);
    edited.spec.ingress[0]!.ports = [{ protocol: 'TCP', port: 81 }];
    log.length = 0;
    t0 = performance.now();
    calc.onUpdate({ kind: 'policy', ref: changed.ref, value: edited });
    dp.onMessages(calc.flush());
    const polApply = await dp.apply();
    const polMs = ms(t0);
    const chainsTouched = [
      ...new Set(
        log
          .filter(isWrite)
          .flatMap((w) =>
            [...(w.input ?? '').matchAll(/^-[AIRD] (\S+)/gm)].map((m) => `${w.cmd}:${m[1]}`),
          ),
      ),
    ];
    say(
      `(e) one policy's rules changed: ${polMs} ms, ${polApply.chainsWritten} chain(s), ${polApply.rulesWritten} rule(s) written: ${chainsTouched.join(', ')}`,
    );

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
      newPod: {
        ms: podMs,
        calcMs: podCalcMs,
        bareIpsetRestoreMs: podFloorMs,
        ipsetsChanged: setsChanged,
        iptablesRestoreCalls: podApply.iptablesRestoreCalls,
        ipsetCalls: podApply.ipsetCalls,
        targetMs: 20,
      },
      policyChange: {
        ms: polMs,
        chainsWritten: polApply.chainsWritten,
        rulesWritten: polApply.rulesWritten,
        chains: chainsTouched,
      },
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
