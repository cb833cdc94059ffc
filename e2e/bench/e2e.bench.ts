/**
 * `pnpm bench e2e`: a real 2-node cluster with 100 pods.
 *  (a) NetworkPolicy created through the API → enforced (probe flips blocked → allowed), p50/p99 over 50 changes
 *  (b) pod created through the API → reachable under an allowing policy, p50/p99
 *  (c) new TCP connections per second between two pods with 1,000 policies installed
 *      (all selecting the server; the first one evaluated admits the client) against
 *      none, and their ratio, each measured in windows alternating with a control
 *      server that no policy selects.
 *  (d) 250 pods on one node: connections/s to the pod dispatch reaches last vs first
 *      (denseNode.ts).
 *  (e) as (c), but only the policy evaluated last admits the client: the ratio and the
 *      rule checks per new connection that limit it (lastPolicy.ts; issue 14).
 *  (f) ClusterNetworkPolicy created / deleted / action updated through the API →
 *      enforced, p50/p99 over 50 changes each (clusterPolicyChange.ts; issue 13's (a')).
 * BENCH_SCENARIOS picks scenarios by letter (default abcdef): d has its own cluster,
 * the others share one. Each scenario's figures are in the final JSON line (d's in a
 * line of its own before it).
 * Prints a final JSON line.
 */
import { performance } from 'node:perf_hooks';
import { Cluster, type Pod } from '../src/harness/cluster.js';
import { clusterPolicyChangeBench, type ClusterPolicyChangeResult } from './clusterPolicyChange.js';
import { denseNodeBench } from './denseNode.js';
import { lastPolicyBench, type LastPolicyResult } from './lastPolicy.js';
import { alternatingRates, pct, round3, sleep, untilBlocked, untilReachable, type AlternatingRates } from './probes.js';

const PODS = Number(process.env.BENCH_PODS ?? 100);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 50);
const NEW_PODS = Number(process.env.BENCH_NEW_PODS ?? 20);
const POLICIES = Number(process.env.BENCH_POLICIES ?? 1000);
const RATE_MS = Number(process.env.BENCH_RATE_MS ?? 1000);
const RATE_WINDOWS = Number(process.env.BENCH_RATE_WINDOWS ?? 4);

const log = (s: string): void => void process.stderr.write(`${s}\n`);

const SCENARIOS = process.env.BENCH_SCENARIOS ?? 'abcdef';
const runs = (letter: string): boolean => SCENARIOS.includes(letter);
if (!/^[a-f]+$/.test(SCENARIOS)) throw new Error(`BENCH_SCENARIOS=${SCENARIOS}: letters a to f`);
if (runs('d')) {
  const d = await denseNodeBench({ pods: Number(process.env.BENCH_DENSE_PODS ?? 250), rateMs: RATE_MS, windows: Number(process.env.BENCH_DENSE_WINDOWS ?? 2 * RATE_WINDOWS), log });
  console.log(JSON.stringify(d));
}
if (!/[abcef]/.test(SCENARIOS)) process.exit(0);

const stats = (xs: number[]): { p50: number; p99: number; n: number } => ({ p50: pct(xs, 50), p99: pct(xs, 99), n: xs.length });
const isolate = { metadata: { name: 'isolate', namespace: 'bench' }, spec: { podSelector: { matchLabels: { idx: '0' } }, policyTypes: ['Ingress'] } };

/** (a) policy → enforced. */
async function policyToEnforced(client: Pod, ip: string): Promise<number[]> {
  log('(a) policy created → enforced');
  await cluster.kube.applyNetworkPolicy(isolate);
  await untilBlocked(client, ip);
  const a: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const t0 = performance.now();
    await cluster.kube.applyNetworkPolicy({ metadata: { name: `allow-${k}`, namespace: 'bench' }, spec: { podSelector: { matchLabels: { idx: '0' } }, ingress: [{ from: [{ podSelector: { matchLabels: { idx: '1' } } }] }] } });
    a.push((await untilReachable(client, ip)) - t0);
    await cluster.kube.deleteNetworkPolicy('bench', `allow-${k}`);
    await untilBlocked(client, ip);
  }
  await cluster.kube.deleteNetworkPolicy('bench', 'isolate');
  await untilReachable(client, ip);
  return a;
}

/** (b) pod created → reachable (an allowing policy admits role=new pods). */
async function podToReachable(client: Pod, ip: string): Promise<number[]> {
  log('(b) pod created → reachable');
  await cluster.kube.applyNetworkPolicy(isolate);
  await cluster.kube.applyNetworkPolicy({ metadata: { name: 'allow-new', namespace: 'bench' }, spec: { podSelector: { matchLabels: { idx: '0' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'new' } } }] }] } });
  await untilBlocked(client, ip);
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
  return b;
}

/**
 * (c) connection rate to the server, before and after 1,000 policies select it. The
 * machine's load drifts, so each measurement alternates short windows against a
 * control server that no policy selects (same node, same client) and reports the
 * ratio to it; the headline ratio compares the two ratios. Every policy's second rule
 * admits the client, so the first policy evaluated already accepts.
 */
async function manyPolicies(client: Pod, ips: { target: string; control: string }): Promise<{ before: AlternatingRates; after: AlternatingRates }> {
  const rate = { windowMs: RATE_MS, windows: RATE_WINDOWS };
  log('(c) connection rate, no policies');
  await alternatingRates(client, ips, rate); // warm-up
  const before = await alternatingRates(client, ips, rate);
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
  await sleep(3000); // let the last applies land
  await untilReachable(client, ips.target);
  return { before, after: await alternatingRates(client, ips, rate) };
}

const cluster = await Cluster.start({ nodes: 2, prefix: 'palbench-', clusterPolicies: runs('f') });
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
  const control = pods[2]!; // node 0, never selected
  const ip = server.net.ips[0]!;
  await untilReachable(client, ip);

  const a = runs('a') ? await policyToEnforced(client, ip) : null;
  const b = runs('b') ? await podToReachable(client, ip) : null;
  // (f) before (c) and (e), whose 1,000 policies stay; its CNPs select the whole namespace.
  const f: ClusterPolicyChangeResult | null = runs('f') ? await clusterPolicyChangeBench({ cluster, server, client, changes: CHANGES, log }) : null;
  const c = runs('c') ? await manyPolicies(client, { target: ip, control: control.net.ips[0]! }) : null;
  // (e) on a server of its own (node 0), so that (c)'s policies do not select it.
  const e: LastPolicyResult | null = runs('e')
    ? await lastPolicyBench({ cluster, server: pods[4]!, client, control, policies: POLICIES, windowMs: RATE_MS, windows: Number(process.env.BENCH_LAST_WINDOWS ?? 2 * RATE_WINDOWS), log })
    : null;
  const result = {
    benchmark: 'e2e',
    pods: PODS,
    scenarios: SCENARIOS,
    ...(a && { a_policy_to_enforced_ms: stats(a) }),
    ...(b && { b_pod_to_reachable_ms: stats(b) }),
    ...(c && {
      c_connections_per_s: {
        none: Math.round(c.before.target),
        with_policies: Math.round(c.after.target),
        control_during_none: Math.round(c.before.control),
        control_during_policies: Math.round(c.after.control),
        policies: POLICIES,
        ratio: round3(c.after.target / c.after.control / (c.before.target / c.before.control)),
        raw_ratio: round3(c.after.target / c.before.target),
      },
    }),
    ...(e && { e_last_policy_connections_per_s: e }),
    ...(f && { f_cluster_policy_to_enforced_ms: f }),
    targets: { a_p99_lt_ms: 200, b_p99_lt_ms: 100, c_ratio_ge: 0.9, f_p99_lt_ms: 200 },
  };
  console.log(JSON.stringify(result));
} finally {
  await cluster.stop();
}
