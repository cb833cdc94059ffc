/**
 * Judges a connection against the desired dataplane state, exactly as the rendered
 * chains would judge its first packet (endpointRenderer, policyRenderer): the source's
 * egress when the source is a local workload, the destination's ingress when the
 * destination is one. Each direction walks the tiers as the chains do: Admin, then
 * NetworkPolicy, then Baseline (docs/cluster-policy.md). Pure: the state comes through
 * a PolicyView.
 *
 * Used to find the conntrack entries that a change revoked. It errs towards keeping a
 * connection: when two local endpoints share an IP (a conflict, reported elsewhere),
 * a connection is revoked only if every one of them would refuse it.
 */
import type { IpFamily, RuleAction } from '@palisade/model';
import type {
  Direction,
  DirectionSpec,
  EndpointUpdate,
  IpSetId,
  ObjectRef,
  PolicyUpdate,
  PortSpec,
  RuleSpec,
} from '../../messages.js';
import type { Flow } from './conntrackEntries.js';

export interface PolicyView {
  /** Local endpoints holding `ip` (normally one). */
  endpointsWithIp(ip: string): readonly EndpointUpdate[];
  policy(ref: ObjectRef): PolicyUpdate | undefined;
  /** 's': is `member` (an IP) in the set; 'c': is it inside one of the set's networks;
   * 'n': is `member` (`ip,proto:port`) in the set. */
  inSet(set: IpSetId, family: IpFamily, member: string): boolean;
}

/** unpoliced: neither end is a local workload, so no Palisade rule saw the connection. */
export type Verdict = 'allow' | 'deny' | 'unpoliced';

export function judgeFlow(view: PolicyView, flow: Flow): Verdict {
  const sources = view.endpointsWithIp(flow.src);
  const dests = view.endpointsWithIp(flow.dst);
  if (sources.length === 0 && dests.length === 0) return 'unpoliced';
  const passes = (eps: readonly EndpointUpdate[], direction: Direction): boolean =>
    eps.length === 0 ||
    eps.some((ep) =>
      judgeDirection(view, direction === 'egress' ? ep.egress : ep.ingress, {
        direction,
        flow,
      }),
    );
  return passes(sources, 'egress') && passes(dests, 'ingress') ? 'allow' : 'deny';
}

interface Ctx {
  direction: Direction;
  flow: Flow;
}

/**
 * One endpoint chain (renderEndpointChain): the Admin tier, then the NetworkPolicy tier
 * when the endpoint is isolated (its verdict is final), else the Baseline tier, then
 * the default, allow.
 */
function judgeDirection(view: PolicyView, spec: DirectionSpec, ctx: Ctx): boolean {
  const admin = spec.admin ? judgeTier(view, spec.admin, ctx) : null;
  if (admin !== null) return admin;
  if (spec.isolated) return judgeNetworkPolicies(view, spec.policies, ctx);
  const baseline = spec.baseline ? judgeTier(view, spec.baseline, ctx) : null;
  return baseline ?? true;
}

/**
 * A cluster-policy tier (renderTierBlock): policies by (priority, name); the first rule
 * that matches decides. Accept is final, Deny drops, Pass leaves the tier (null: the
 * next tier decides, as when no rule matches).
 */
function judgeTier(view: PolicyView, refs: readonly ObjectRef[], ctx: Ctx): boolean | null {
  for (const ref of refs) {
    const action = firstMatch(view, ref, ctx);
    if (action === 'Allow') return true;
    if (action === 'Deny') return false;
    if (action === 'Pass') return null;
  }
  return null;
}

/** NetworkPolicies in order; Allow returns, Deny drops, Pass and no match go on; then drop. */
function judgeNetworkPolicies(view: PolicyView, refs: readonly ObjectRef[], ctx: Ctx): boolean {
  for (const ref of refs) {
    const action = firstMatch(view, ref, ctx);
    if (action === 'Allow') return true;
    if (action === 'Deny') return false;
  }
  return false;
}

/** The action of the policy's first rule that matches in this direction, if any. */
function firstMatch(view: PolicyView, ref: ObjectRef, ctx: Ctx): RuleAction | undefined {
  const p = view.policy(ref);
  // A policy calc has not sent, or without this direction, renders as an empty chain.
  const rules = (ctx.direction === 'ingress' ? p?.inbound : p?.outbound) ?? [];
  return rules.find((rule) => ruleMatches(view, rule, ctx))?.action;
}

function ruleMatches(view: PolicyView, rule: RuleSpec, ctx: Ctx): boolean {
  const { flow } = ctx;
  const peer = ctx.direction === 'ingress' ? flow.src : flow.dst;
  const peerOk =
    rule.peers === null || rule.peers.some((p) => view.inSet(p.set, flow.family, peer));
  return peerOk && (rule.ports === null || rule.ports.some((p) => portMatches(view, p, flow)));
}

function portMatches(view: PolicyView, spec: PortSpec, flow: Flow): boolean {
  const protocol = spec.protocol.toLowerCase();
  if (protocol !== flow.protocol) return false;
  switch (spec.kind) {
    case 'protocol':
      return true;
    case 'range':
      return (
        flow.dport !== undefined &&
        flow.dport >= spec.port &&
        flow.dport <= Math.max(spec.port, spec.endPort)
      );
    case 'named':
      return (
        flow.dport !== undefined &&
        view.inSet(spec.set, flow.family, `${flow.dst},${protocol}:${flow.dport}`)
      );
  }
}
