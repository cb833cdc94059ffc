/**
 * `pnpm bench e2e`: a real 2-node cluster with 100 pods.
 *  (a) NetworkPolicy created through the API → enforced (probe flips blocked → allowed), p50/p99 over 50 changes
 *  (b) pod created through the API → reachable under an allowing policy, p50/p99
 *  (c) new TCP connections per second between two pods with 1,000 policies installed
 *      (all selecting the server) against none, and their ratio, each measured in
 *      windows alternating with a control server that no policy selects.
 *  (d) 250 pods on one node: connections/s to the pod dispatch reaches last vs first
 *      (denseNode.ts). BENCH_SCENARIOS=d runs only (d); default abcd.
 * Prints a final JSON line.
 */
import { performance } from 'node:perf_hooks';
import { Cluster, type Pod } from '../src/harness/cluster.js';
import { denseNodeBench } from './denseNode.js';

const PODS = Number(process.env.BENCH_PODS ?? 100);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 50);
const NEW_PODS = Number(process.env.BENCH_NEW_PODS ?? 20);
const POLICIES = Number(process.env.BENCH_POLICIES ?? 1000);
const RATE_MS = Number(process.env.BENCH_RATE_MS ?? 1000);
const RATE_WINDOWS = Number(process.env.BENCH_RATE_WINDOWS ?? 4);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

/** Probes every 5 ms (20 ms attempts) until a connection succeeds; returns when. */
async function untilReachable(client: Pod, ip: string, deadlineMs = 10_000): Promise<number> {
  const until = performance.now() + deadlineMs;
  while (performance.now() < until) {
    const r = await client.client.probe(ip, 80, 'TCP', 20);
    if (r.ok) return performance.now();
    await new Promise((res) => setTimeout(res, 2));
  }
  throw new Error(`not reachable within ${deadlineMs} ms`);
}

async function untilBlocked(client: Pod, ip: string, deadlineMs = 10_000): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (performance.now() < until) {
    const r = await client.client.probe(ip, 80, 'TCP', 50);
    if (!r.ok) return;
  }
  throw new Error(`still reachable after ${deadlineMs} ms`);
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);

// BENCH_SCENARIOS picks scenarios: a, b and c share one cluster; d (dense node) has its own.
const SCENARIOS = process.env.BENCH_SCENARIOS ?? 'abcd';
if (SCENARIOS.includes('d')) {
  const d = await denseNodeBench({ pods: Number(process.env.BENCH_DENSE_PODS ?? 250), rateMs: RATE_MS, windows: RATE_WINDOWS, log });
  console.log(JSON.stringify(d));
}
if (!/[abc]/.test(SCENARIOS)) process.exit(0);

const cluster = await Cluster.start({ nodes: 2, prefix: 'palbench-' });
try {
  await cluster.waitForAgents();
  await cluster.kube.ensureNamespace('bench', {});
  await cluster.kube.ensureNamespace('other', {});
  log(`creating ${PODS} pods`);
  const pods: Pod[] = [];
  for (let i = 0; i < PODS; i += 10)
    pods.push(...(await Promise.all(Array.from({ length: Math.min(10, PODS - i) }, (_, k) => cluster.addPod({ namespace: 'bench', name: `p${i + k}`, labels: { app: `app${(i + k) % 10}`, idx: String(i + k) }, nodeIndex: (i + k) % 2, ports: [80] })))));
  const server = pods[0]!; // node 0
  const client = pods[1]!; // node 1: cross-node
  const ip = server.net.ips[0]!;
  await untilReachable(client, ip);

  // (a) policy → enforced.
  log('(a) policy created → enforced');
  await cluster.kube.applyNetworkPolicy({ metadata: { name: 'isolate', namespace: 'bench' }, spec: { podSelector: { matchLabels: { idx: '0' } }, policyTypes: ['Ingress'] } });
  await untilBlocked(client, ip);
  const a: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const t0 = performance.now();
    await cluster.kube.applyNetworkPolicy({ metadata: { name: `allow-${k}`, namespace: 'bench' }, spec: { podSelector: { matchLabels: { idx: '0' } }, ingress: [{ from: [{ podSelector: { matchLabels: { idx: '1' } } }] }] } });
    a.push((await untilReachable(client, ip)) - t0);
    await cluster.kube.deleteNetworkPolicy('bench', `allow-${k}`);
    await untilBlocked(client, ip);
  }

  // (b) pod created → reachable (allowing policy admits role=new pods).
  log('(b) pod created → reachable');
  await cluster.kube.applyNetworkPolicy({ metadata: { name: 'allow-new', namespace: 'bench' }, spec: { podSelector: { matchLabels: { idx: '0' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'new' } } }] }] } });
  const b: number[] = [];
  for (let k = 0; k < NEW_PODS; k++) {
    const p = await cluster.addPod({ namespace: 'bench', name: `new${k}`, labels: { role: 'new' }, nodeIndex: 1, ports: [80] });
    // Time counts from the pod's creation through the API (its network already exists, as after CNI ADD).
    b.push((await untilReachable(p, ip)) - p.createdAt);
    await cluster.removePod(p.id);
  }
  await cluster.kube.deleteNetworkPolicy('bench', 'allow-new');
  await cluster.kube.deleteNetworkPolicy('bench', 'isolate');
  await untilReachable(client, ip);

  // (c) connection rate to the server, before and after 1,000 policies select it. The
  // machine's load drifts, so each measurement alternates short windows against a
  // control server that no policy selects (same node, same client) and reports the
  // ratio to it; the headline ratio compares the two ratios.
  const control = pods[2]!; // node 0, never selected
  const controlIp = control.net.ips[0]!;
  const windows = async (): Promise<{ target: number; control: number }> => {
    let target = 0;
    let ctl = 0;
    for (let w = 0; w < RATE_WINDOWS; w++) {
      target += (await client.client.connectRate(ip, 80, RATE_MS, 4)).count ?? 0;
      ctl += (await client.client.connectRate(controlIp, 80, RATE_MS, 4)).count ?? 0;
    }
    const secs = (RATE_WINDOWS * RATE_MS) / 1000;
    return { target: target / secs, control: ctl / secs };
  };
  log('(c) connection rate, no policies');
  await windows(); // warm-up
  const before = await windows();
  log(`(c) installing ${POLICIES} policies`);
  for (let k = 0; k < POLICIES; k += 20)
    await Promise.all(
      Array.from({ length: Math.min(20, POLICIES - k) }, (_, j) =>
        cluster.kube.applyNetworkPolicy({
          metadata: { name: `many-${k + j}`, namespace: 'bench' },
          spec: { podSelector: { matchLabels: { idx: '0' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: `app${(k + j) % 10}` } } }], ports: [{ port: 1000 + ((k + j) % 500) }] }, { from: [{ podSelector: { matchLabels: { idx: '1' } } }] }] },
        }),
      ),
    );
  await cluster.waitForAgents();
  await new Promise((r) => setTimeout(r, 3000)); // let the last applies land
  await untilReachable(client, ip);
  const after = await windows();
  const relBefore = before.target / before.control;
  const relAfter = after.target / after.control;
  const result = {
    benchmark: 'e2e',
    pods: PODS,
    a_policy_to_enforced_ms: { p50: pct(a, 50), p99: pct(a, 99), n: a.length },
    b_pod_to_reachable_ms: { p50: pct(b, 50), p99: pct(b, 99), n: b.length },
    c_connections_per_s: {
      none: Math.round(before.target),
      with_policies: Math.round(after.target),
      control_during_none: Math.round(before.control),
      control_during_policies: Math.round(after.control),
      policies: POLICIES,
      ratio: Math.round((relAfter / relBefore) * 1000) / 1000,
      raw_ratio: Math.round((after.target / before.target) * 1000) / 1000,
    },
    targets: { a_p99_lt_ms: 200, b_p99_lt_ms: 100, c_ratio_ge: 0.9 },
  };
  console.log(JSON.stringify(result));
} finally {
  await cluster.stop();
}
