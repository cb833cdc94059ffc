/**
 * `pnpm bench e2e` (d): a dense node. N pods (250) on one node, a client on another;
 * new TCP connections per second to the pod that the ingress dispatch reaches last
 * (the highest IP: last child at every level of the tree) against the pod it reaches
 * first (the lowest IP). Windows alternate between the two so that the machine's load
 * drifts into both alike; ratio is the median over pairs of windows of last/first (one
 * pair hit by a burst of load moves it little; sum_ratio is over all windows). Target
 * ratio (last/first) >= 0.9.
 *
 * Readiness: the agents' status is already in sync from before the pods, so waiting
 * for it proves nothing; the bench waits until both agents report the pods as local
 * endpoints, and then until both servers answer. Both servers are warmed up (a fresh
 * pod server's first thousands of connections run cold, which would count against
 * whichever is measured first).
 * Not a *.bench.ts file: e2e.bench.ts runs it (BENCH_SCENARIOS selects).
 */
import { readFileSync } from 'node:fs';
import { AGENT_PREFIX, AgentStatusSchema, toWorkloadChain } from '@palisade/model';
import { Cluster, type Pod } from '../src/harness/cluster.js';
import { alternatingRates, round3, sleep, untilReachable } from './probes.js';
import { chainsOnNode, dispatchChecks } from './ruleset.js';

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
const ipNum = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

export interface DenseNodeResult {
  benchmark: 'e2e-dense-node';
  pods: number;
  first: { ip: string; connectionsPerS: number };
  last: { ip: string; connectionsPerS: number };
  ratio: number;
  sum_ratio: number;
  /** min and max over the pairs: how much the machine's load moved single pairs. */
  pair_ratio_range: [number, number];
  failed_connections: number;
  /** Rule checks in the ingress dispatch tree, read back from the node (the only part of the path that differs). */
  dispatch_rule_checks: { first: number; last: number };
  target: number;
  loadavgBefore: string;
  loadavgAfter: string;
}

/** Until each node's agent reports at least `counts[i]` local endpoints, in sync. */
async function untilLocalEndpoints(cluster: Cluster, counts: number[], deadlineMs = 120_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  let seen = '';
  while (Date.now() < until) {
    const list = await cluster.etcdClient.list(AGENT_PREFIX, AgentStatusSchema).catch(() => null);
    const local = new Map((list?.items ?? []).filter((i) => i.value.status.inSync).map((i) => [i.value.metadata.name, i.value.status.counts.localEndpoints]));
    seen = cluster.topology.nodes.map((n) => `${n.name}=${local.get(n.name) ?? '?'}`).join(' ');
    if (cluster.topology.nodes.every((n, i) => (local.get(n.name) ?? -1) >= (counts[i] ?? 0))) return;
    await sleep(200);
  }
  throw new Error(`(d) agents do not report the pods as local endpoints after ${deadlineMs} ms (${seen}; want ${counts.join(',')})`);
}

export async function denseNodeBench(opts: {
  pods: number;
  rateMs: number;
  windows: number;
  log: (s: string) => void;
}): Promise<DenseNodeResult> {
  const cluster = await Cluster.start({ nodes: 2, prefix: 'palbd-' });
  try {
    await cluster.waitForAgents();
    await cluster.kube.ensureNamespace('dense', {});
    opts.log(`(d) creating ${opts.pods} pods on one node`);
    const pods: Pod[] = [];
    for (let i = 0; i < opts.pods; i += 10) {
      const batch = Array.from({ length: Math.min(10, opts.pods - i) }, (_, k) =>
        cluster.addPod({ namespace: 'dense', name: `d${i + k}`, labels: { app: 'dense' }, nodeIndex: 0, ports: [80] }),
      );
      pods.push(...(await Promise.all(batch)));
    }
    const client = await cluster.addPod({ namespace: 'dense', name: 'client', labels: {}, nodeIndex: 1, ports: [80] });
    await untilLocalEndpoints(cluster, [opts.pods, 1]);
    pods.sort((a, b) => ipNum(a.net.ips[0]!) - ipNum(b.net.ips[0]!));
    const first = pods[0]!.net.ips[0]!;
    const last = pods[pods.length - 1]!.net.ips[0]!;
    for (const ip of [first, last]) await untilReachable(client, ip, 30_000);
    const chains = await chainsOnNode(cluster.topology.nodes[0]!.netns, 'pal-to-wl-dispatch');
    const path = (p: Pod): number => {
      const d = dispatchChecks(chains, p.net.ips[0]!);
      if (d.endpointChain !== toWorkloadChain(p.namespace, p.name)) throw new Error(`(d) dispatch for ${p.id} reaches ${d.endpointChain}`);
      return d.checks;
    };
    const dispatch = { first: path(pods[0]!), last: path(pods[pods.length - 1]!) };
    const loadavgBefore = loadavg();
    const ips = { target: last, control: first };
    await alternatingRates(client, ips, { windowMs: opts.rateMs, windows: 2 }); // warm-up, both
    const r = await alternatingRates(client, ips, { windowMs: opts.rateMs, windows: opts.windows });
    const result: DenseNodeResult = {
      benchmark: 'e2e-dense-node',
      pods: opts.pods,
      first: { ip: first, connectionsPerS: Math.round(r.control) },
      last: { ip: last, connectionsPerS: Math.round(r.target) },
      ratio: round3(r.medianRatio),
      sum_ratio: round3(r.target / Math.max(1, r.control)),
      pair_ratio_range: [round3(Math.min(...r.ratios)), round3(Math.max(...r.ratios))],
      dispatch_rule_checks: dispatch,
      failed_connections: r.failed,
      target: 0.9,
      loadavgBefore,
      loadavgAfter: loadavg(),
    };
    opts.log(`(d) first ${first}: ${result.first.connectionsPerS}/s, last ${last}: ${result.last.connectionsPerS}/s, ratio ${result.ratio} (median of ${opts.windows} pairs; over all windows ${result.sum_ratio}, pairs ${result.pair_ratio_range.join('..')}; target >= 0.9); dispatch rule checks first ${dispatch.first}, last ${dispatch.last}`);
    return result;
  } finally {
    await cluster.stop();
  }
}
