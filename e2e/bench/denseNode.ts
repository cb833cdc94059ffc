/**
 * `pnpm bench e2e` (d): a dense node. N pods (250) on one node, a client on another;
 * new TCP connections per second to the pod that the ingress dispatch reaches last
 * (the highest IP: last child at every level of the tree) against the pod it reaches
 * first (the lowest IP). Windows alternate between the two so that the machine's load
 * drifts into both alike. Target ratio (last/first) >= 0.9.
 * Not a *.bench.ts file: e2e.bench.ts runs it (BENCH_SCENARIOS selects).
 */
import { readFileSync } from 'node:fs';
import { Cluster, type Pod } from '../src/harness/cluster.js';

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
const ipNum = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

export interface DenseNodeResult {
  benchmark: 'e2e-dense-node';
  pods: number;
  first: { ip: string; connectionsPerS: number };
  last: { ip: string; connectionsPerS: number };
  ratio: number;
  target: number;
  loadavgBefore: string;
  loadavgAfter: string;
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
    await cluster.waitForAgents();
    pods.sort((a, b) => ipNum(a.net.ips[0]!) - ipNum(b.net.ips[0]!));
    const first = pods[0]!.net.ips[0]!;
    const last = pods[pods.length - 1]!.net.ips[0]!;
    for (const ip of [first, last]) {
      const r = await client.client.probe(ip, 80, 'TCP', 2000);
      if (!r.ok) throw new Error(`(d) ${ip} not reachable`);
    }
    const loadavgBefore = loadavg();
    await client.client.connectRate(first, 80, opts.rateMs, 4); // warm-up
    let nFirst = 0;
    let nLast = 0;
    for (let w = 0; w < opts.windows; w++) {
      // Alternate which goes first within a pair, too.
      const pair = w % 2 === 0 ? [first, last] : [last, first];
      for (const ip of pair) {
        const n = (await client.client.connectRate(ip, 80, opts.rateMs, 4)).count ?? 0;
        if (ip === first) nFirst += n;
        else nLast += n;
      }
    }
    const secs = (opts.windows * opts.rateMs) / 1000;
    const result: DenseNodeResult = {
      benchmark: 'e2e-dense-node',
      pods: opts.pods,
      first: { ip: first, connectionsPerS: Math.round(nFirst / secs) },
      last: { ip: last, connectionsPerS: Math.round(nLast / secs) },
      ratio: Math.round((nLast / Math.max(1, nFirst)) * 1000) / 1000,
      target: 0.9,
      loadavgBefore,
      loadavgAfter: loadavg(),
    };
    opts.log(`(d) first ${first}: ${result.first.connectionsPerS}/s, last ${last}: ${result.last.connectionsPerS}/s, ratio ${result.ratio} (target >= 0.9)`);
    return result;
  } finally {
    await cluster.stop();
  }
}
