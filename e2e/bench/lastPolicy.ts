/**
 * `pnpm bench e2e` (e), issue 14: N policies (1,000) select the server, and only the one
 * its endpoint chain evaluates last admits the client. New TCP connections per second
 * to it against a control pod that no policy selects, in alternating windows, before
 * (calibration: both unselected) and after the policies. ratio = after / before of the
 * median over pairs of windows of target/control (a burst of the machine's load in one
 * window moves a median little; sums are in the *_per_s fields).
 *
 * The agent orders an endpoint's NetworkPolicies by (order, namespace, name)
 * (calc/policyResolver.ts) and they share order 1000, so names `last-000` … `last-999`
 * put `last-999` last. The N−1 others do not match the client's traffic: half admit
 * the client on other ports, half admit other peers on port 80. The bench reads the
 * server's endpoint chain back from the node (iptables-save in the node's namespace),
 * checks that the allowing policy's chain is the last jump, and counts the rule checks
 * a new connection makes in the endpoint and policy chains; that count is what limits
 * the ratio (established packets leave at pal-FORWARD's first rule).
 * Not a *.bench.ts file: e2e.bench.ts runs it (BENCH_SCENARIOS selects).
 */
import { policyInboundChain, toWorkloadChain } from '@palisade/model';
import type { Cluster, Pod } from '../src/harness/cluster.js';
import { alternatingRates, round3, sleep, untilReachable } from './probes.js';
import { chainsOnNode } from './ruleset.js';

export interface LastPolicyResult {
  policies: number;
  target_none: number;
  control_during_none: number;
  target_with_policies: number;
  control_during_policies: number;
  ratio: number;
  /** The median target/control after the policies, uncalibrated. */
  raw_ratio: number;
  rule_checks_per_new_connection: { target: number; control: number };
  pair_ratio_range_with_policies: [number, number];
  failed_connections: number;
  /** 1/rate(target) − 1/rate(control) after the policies, rate(target) taken as raw_ratio × rate(control): inverse throughput, not latency. */
  extra_us_per_connection: number;
  /** That, per extra rule check: what one rule check costs the machine's throughput. */
  ns_per_extra_rule_check: number;
  limit: string;
}

const pad = (k: number): string => String(k).padStart(3, '0');

/** Policy k of n: only the last admits the client (idx=<client>) on port 80. */
function policy(k: number, n: number, o: { namespace: string; server: string; client: string }): Parameters<Cluster['kube']['applyNetworkPolicy']>[0] {
  const client = { podSelector: { matchLabels: { idx: o.client } } };
  const ingress =
    k === n - 1
      ? [{ from: [client], ports: [{ port: 80 }] }]
      : k % 2 === 0
        ? [{ from: [client], ports: [{ port: 1000 + (k % 500) }] }] // the client, other ports
        : [{ from: [{ podSelector: { matchLabels: { idx: `none-${k % 10}` } } }], ports: [{ port: 80 }] }]; // other peers
  return { metadata: { name: `last-${pad(k)}`, namespace: o.namespace }, spec: { podSelector: { matchLabels: { idx: o.server } }, ingress } };
}

/**
 * Rule checks of a new connection that the `allowing` policy admits: the endpoint
 * chain up to the return after that policy's jump, plus every jumped policy chain
 * (the non-matching ones in full, the allowing one up to its first rule that matches,
 * taken as its first rule since it has one).
 */
function ruleChecks(chains: Map<string, string[]>, endpoint: string, allowing: string | null): number {
  const rules = chains.get(endpoint) ?? [];
  const jump = (r: string): string | undefined => /-j (pal-pi-\S+)/.exec(r)?.[1];
  const at = allowing === null ? -1 : rules.findIndex((r) => jump(r) === allowing);
  if (allowing === null) return rules.length; // no policies: the chain sets the accept mark at its end
  if (at < 0) throw new Error(`${endpoint} does not jump to ${allowing}`);
  const jumped = rules.slice(0, at).map(jump).filter((c): c is string => c !== undefined);
  return at + 2 + jumped.reduce((n, c) => n + (chains.get(c)?.length ?? 0), 0) + 1;
}

export async function lastPolicyBench(o: { cluster: Cluster; server: Pod; client: Pod; control: Pod; policies: number; windowMs: number; windows: number; log: (s: string) => void }): Promise<LastPolicyResult> {
  const ips = { target: o.server.net.ips[0]!, control: o.control.net.ips[0]! };
  const rate = { windowMs: o.windowMs, windows: o.windows };
  const names = { namespace: o.server.namespace, server: o.server.labels.idx!, client: o.client.labels.idx! };
  o.log('(e) connection rate, no policies');
  await alternatingRates(o.client, ips, rate); // warm-up
  const before = await alternatingRates(o.client, ips, rate);
  o.log(`(e) installing ${o.policies} policies, only the last one evaluated admits the client`);
  for (let k = 0; k < o.policies; k += 20)
    await Promise.all(Array.from({ length: Math.min(20, o.policies - k) }, (_, j) => o.cluster.kube.applyNetworkPolicy(policy(k + j, o.policies, names))));
  await o.cluster.waitForAgents();
  const node = o.cluster.topology.nodes[o.server.nodeIndex]!;
  const endpoint = toWorkloadChain(o.server.namespace, o.server.name);
  const allowing = policyInboundChain(o.server.namespace, `last-${pad(o.policies - 1)}`);
  let chains = new Map<string, string[]>();
  for (let t = 0; t < 300; t++) {
    // Until every policy is in the endpoint chain (the last applies may still be landing).
    chains = await chainsOnNode(node.netns, endpoint);
    if ((chains.get(endpoint) ?? []).filter((r) => /-j pal-pi-/.test(r)).length === o.policies) break;
    await sleep(200);
  }
  const jumps = (chains.get(endpoint) ?? []).map((r) => /-j (pal-pi-\S+)/.exec(r)?.[1]).filter(Boolean);
  if (jumps.length !== o.policies || jumps[jumps.length - 1] !== allowing) throw new Error(`(e) ${endpoint} has ${jumps.length} policy jumps, last ${jumps[jumps.length - 1]}; expected ${o.policies}, last ${allowing}`);
  await untilReachable(o.client, ips.target);
  const after = await alternatingRates(o.client, ips, rate);
  const checks = {
    target: ruleChecks(chains, endpoint, allowing),
    control: ruleChecks(await chainsOnNode(node.netns, toWorkloadChain(o.control.namespace, o.control.name)), toWorkloadChain(o.control.namespace, o.control.name), null),
  };
  const ratio = round3(after.medianRatio / before.medianRatio);
  const extraUs = Math.round(((1 / after.medianRatio - 1) * 1e7) / after.control) / 10;
  const limit = `each new connection's SYN walks ${checks.target} rules in the server's endpoint and policy chains (${o.policies - 1} non-matching policies × (3 endpoint-chain rules + their own) before the allowing one) against ${checks.control} for the control; established packets leave at pal-FORWARD's first rule, so the cost is per connection and linear in the policies evaluated before the allowing one`;
  o.log(`(e) ${Math.round(after.target)}/s vs control ${Math.round(after.control)}/s, ratio ${ratio}; ${limit}`);
  return {
    policies: o.policies,
    target_none: Math.round(before.target),
    control_during_none: Math.round(before.control),
    target_with_policies: Math.round(after.target),
    control_during_policies: Math.round(after.control),
    ratio,
    raw_ratio: round3(after.medianRatio),
    rule_checks_per_new_connection: checks,
    pair_ratio_range_with_policies: [round3(Math.min(...after.ratios)), round3(Math.max(...after.ratios))],
    failed_connections: before.failed + after.failed,
    extra_us_per_connection: extraUs,
    ns_per_extra_rule_check: Math.round((extraUs * 1000) / Math.max(1, checks.target - checks.control)),
    limit,
  };
}
