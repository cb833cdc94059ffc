/**
 * `pnpm bench e2e` (f), issue 13's (a'): (a) for ClusterNetworkPolicies. A change is
 * sent through the API server and timed until the probe from the client flips:
 *   create  an Admin Deny CNP whose subject is the server's namespace: allowed → blocked
 *   delete  it again:                                                  blocked → allowed
 *   update  an Admin CNP's action Accept → Deny and Deny → Accept, over a NetworkPolicy
 *           that isolates the server (so Accept is what admits the client)
 * `changes` of each. Flips are timed with overlapping probes (probes.ts flipTime).
 * Not a *.bench.ts file: e2e.bench.ts runs it (BENCH_SCENARIOS selects).
 */
import { performance } from 'node:perf_hooks';
import type { Cluster, Pod } from '../src/harness/cluster.js';
import { flipTime, pct } from './probes.js';

type Stats = { p50: number; p99: number; n: number };
const stats = (xs: number[]): Stats => ({ p50: pct(xs, 50), p99: pct(xs, 99), n: xs.length });

export interface ClusterPolicyChangeResult {
  create: Stats;
  delete: Stats;
  update_accept_to_deny: Stats;
  update_deny_to_accept: Stats;
}

/** An Admin CNP on the server's namespace with one ingress rule from the client's. */
function adminPolicy(name: string, ns: { server: string; client: string }, action: 'Accept' | 'Deny'): Record<string, unknown> {
  const byName = (n: string): Record<string, unknown> => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
  return {
    apiVersion: 'policy.networking.k8s.io/v1alpha2',
    kind: 'ClusterNetworkPolicy',
    metadata: { name },
    spec: { tier: 'Admin', priority: 10, subject: { namespaces: byName(ns.server) }, ingress: [{ action, from: [{ namespaces: byName(ns.client) }] }] },
  };
}

export async function clusterPolicyChangeBench(o: { cluster: Cluster; server: Pod; client: Pod; changes: number; log: (s: string) => void }): Promise<ClusterPolicyChangeResult> {
  const cnp = o.cluster.kube.clusterPolicies;
  const ip = o.server.net.ips[0]!;
  const ns = { server: o.server.namespace, client: o.client.namespace };
  const timed = async (change: () => Promise<void>, want: 'allowed' | 'blocked'): Promise<number> => {
    const t0 = performance.now();
    await change();
    return (await flipTime(o.client, ip, want)) - t0;
  };
  await flipTime(o.client, ip, 'allowed');

  o.log(`(f) ClusterNetworkPolicy created → enforced, deleted → enforced (${o.changes} each)`);
  const created: number[] = [];
  const deleted: number[] = [];
  for (let k = 0; k < o.changes; k++) {
    const name = `bench-deny-${k}`;
    created.push(await timed(() => cnp.apply(adminPolicy(name, ns, 'Deny')), 'blocked'));
    deleted.push(await timed(() => cnp.delete(name), 'allowed'));
  }

  o.log(`(f) ClusterNetworkPolicy action Accept ↔ Deny (${o.changes} each)`);
  const isolate = { metadata: { name: 'bench-cnp-isolate', namespace: o.server.namespace }, spec: { podSelector: { matchLabels: o.server.labels }, policyTypes: ['Ingress'] } };
  await o.cluster.kube.applyNetworkPolicy(isolate);
  await cnp.apply(adminPolicy('bench-flip', ns, 'Accept'));
  await flipTime(o.client, ip, 'allowed');
  const toDeny: number[] = [];
  const toAccept: number[] = [];
  for (let k = 0; k < o.changes; k++) {
    toDeny.push(await timed(() => cnp.apply(adminPolicy('bench-flip', ns, 'Deny')), 'blocked'));
    toAccept.push(await timed(() => cnp.apply(adminPolicy('bench-flip', ns, 'Accept')), 'allowed'));
  }
  await cnp.delete('bench-flip');
  await o.cluster.kube.deleteNetworkPolicy(o.server.namespace, 'bench-cnp-isolate');
  await flipTime(o.client, ip, 'allowed');
  return { create: stats(created), delete: stats(deleted), update_accept_to_deny: stats(toDeny), update_deny_to_accept: stats(toAccept) };
}
