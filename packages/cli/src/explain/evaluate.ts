/**
 * The explain evaluator: the stored model evaluated the way the agents enforce it.
 * Pure (no I/O): the e2e suite uses it as the oracle that real traffic must agree with.
 *
 * A connection is allowed when both sides allow it: the source pod's egress and the
 * destination pod's ingress (an egress Accept still meets the destination's ingress).
 * Each side walks the tiers (docs/cluster-policy.md):
 *
 *  1. Admin cluster policies selecting the pod with rules for the direction, by
 *     (priority, name); rules in written order; the first match decides: Accept and
 *     Deny are final, Pass leaves the tier (the model's evaluateTier).
 *  2. NetworkPolicies: the side is isolated iff some policy selecting the pod has the
 *     direction's type, and then their verdict is final: a rule admits it (policies
 *     in `order`, then namespace/name; first matching rule decides, which for
 *     Kubernetes' allow-only rules is the union) or it is blocked. A policy with
 *     spec.error keeps isolating but has no rules.
 *  3. Baseline cluster policies, as the Admin tier.
 *  4. The default: allow.
 *
 * A plain IP that is no pod's is not policed on its side. A pod always reaches itself.
 * Which policies select a pod is what the agents enforce (ModelView): a namespaced
 * policy only selects pods of its own namespace, an invalid stored policy isolates its
 * whole namespace in both directions and allows nothing, a cluster policy with an
 * error denies everything in its directions with rules, and an invalid stored cluster
 * policy is an Admin deny-all at priority 0 for every pod. The verdict says so
 * whenever such a policy is involved, never silently.
 */
import { PalisadeError, evaluateTier } from '@palisade/model';
import type { ClusterRuleAction, Endpoint, Policy, Protocol } from '@palisade/model';
import type { EnforcedClusterPolicy } from '../view/clusterContainment.js';
import type { ModelView } from '../view/modelView.js';
import { qualifiedName } from '../view/modelView.js';
import { clusterContainmentWords } from '../view/clusterContainment.js';
import { containmentWords } from '../view/containment.js';
import { ipFamily, parseIp } from './ip.js';
import { ruleAdmits } from './ruleMatch.js';
import type { Connection } from './ruleMatch.js';
import type { ClusterRuleHit, Direction, ExplainQuery, Party, ResolvedParty, SideVerdict, Verdict } from './types.js';

type Spec = { endpoint: Endpoint; ip: string | null } | { endpoint: null; ip: string };

/** `ns/pod` or an IP (a pod's IP resolves to that pod). Throws INVALID_INPUT / NOT_FOUND. */
export function resolveParty(view: ModelView, text: string, flag: string): Spec {
  const t = text.trim();
  if (parseIp(t) !== null) {
    const ep = view.findEndpointByIp(t);
    return ep ? { endpoint: ep, ip: t } : { endpoint: null, ip: t };
  }
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(t);
  if (!m?.[1] || !m[2])
    throw new PalisadeError('INVALID_INPUT', `${flag} must be <namespace>/<pod> or an IP address, got ${JSON.stringify(text)}`, {
      fields: { flag },
    });
  const ep = view.findEndpoint(m[1], m[2]);
  const invalid = ep ? undefined : view.invalidEndpoint(m[1], m[2]);
  if (invalid)
    throw new PalisadeError(
      'INVALID_VALUE',
      `pod ${m[1]}/${m[2]} has an invalid endpoint value in etcd (${invalid.error}): agents on other nodes admit it as no peer, its own node keeps enforcing its last valid value; fix the writer`,
      { fields: { pod: t, key: invalid.key } },
    );
  if (!ep)
    throw new PalisadeError('NOT_FOUND', `pod ${m[1]}/${m[2]} not found (no endpoint in etcd: it may have no IP yet or use the host network)`, {
      fields: { pod: t },
    });
  return { endpoint: ep, ip: null };
}

/** Picks the pod IPs to use so that both ends are of one family when they can be. */
function pickIps(from: Spec, to: Spec): [string, string] {
  const families = (s: Spec): (4 | 6)[] =>
    s.ip !== null ? [ipFamily(s.ip) ?? 4] : (s.endpoint?.spec.ips ?? []).map((ip) => ipFamily(ip) ?? 4);
  const toFams = families(to);
  const fam = families(from).find((f) => toFams.includes(f)) ?? families(from)[0] ?? 4;
  const ipOf = (s: Spec): string =>
    s.ip ?? s.endpoint?.spec.ips.find((ip) => ipFamily(ip) === fam) ?? s.endpoint?.spec.ips[0] ?? '';
  return [ipOf(from), ipOf(to)];
}

function party(spec: Spec, ip: string): ResolvedParty {
  return {
    pod: spec.endpoint ? qualifiedName(spec.endpoint) : null,
    ip,
    node: spec.endpoint?.spec.node ?? null,
    endpoint: spec.endpoint,
  };
}

const byOrder = (a: Policy, b: Policy): number =>
  a.spec.order - b.spec.order || qualifiedName(a).localeCompare(qualifiedName(b));

interface SideInput {
  direction: Direction;
  subject: ResolvedParty;
  peer: ResolvedParty;
  destination: ResolvedParty;
  port: number;
  protocol: Protocol;
}

function evaluateSide(view: ModelView, s: SideInput): SideVerdict {
  const dir = s.direction;
  if (s.subject.endpoint === null)
    return { state: 'unpoliced', allowed: true, reason: `${s.subject.ip} is not a pod: ${dir} is not policed` };
  const ep = s.subject.endpoint;
  const conn: Connection = {
    peer: { endpoint: s.peer.endpoint, ip: s.peer.ip },
    destination: s.destination.endpoint,
    port: s.port,
    protocol: s.protocol,
  };
  const walk: TierWalk = { passed: [], notes: [], considered: 0 };
  const admin = clusterTier(view, { tier: 'Admin', ep, dir, conn, walk });
  if (admin) return finish(admin, walk, dir);
  const np = networkPolicyTier(view, ep, dir, conn);
  if (np) return finish(np, walk, dir);
  const name = qualifiedName(ep);
  const baseline = clusterTier(view, { tier: 'Baseline', ep, dir, conn, walk });
  if (baseline)
    return finish({ ...baseline, reason: `no NetworkPolicy isolates ${name} for ${dir}; ${baseline.reason}` }, walk, dir);
  const reason =
    walk.considered === 0
      ? `not isolated (no policy selects ${name} for ${dir})`
      : `not isolated (no NetworkPolicy selects ${name} for ${dir}) and no cluster policy rule matched: default allow`;
  return finish({ state: 'not-isolated', allowed: true, reason }, walk, dir);
}

/** What the cluster policy tiers met on the way to the decision. */
interface TierWalk {
  passed: ClusterRuleHit[];
  notes: { policy: string; message: string }[];
  /** Cluster policies that selected the pod for this direction, in both tiers walked. */
  considered: number;
}

/**
 * One cluster policy tier (the model's evaluateTier): a verdict when an Accept or
 * Deny rule matched; null when nothing matched or a Pass rule left the tier.
 */
function clusterTier(
  view: ModelView,
  o: { tier: 'Admin' | 'Baseline'; ep: Endpoint; dir: Direction; conn: Connection; walk: TierWalk },
): SideVerdict | null {
  const cnps = view.clusterPoliciesFor(o.ep, o.tier, o.dir);
  o.walk.considered += cnps.length;
  for (const cp of cnps) {
    if (cp.invalid !== null || cp.error !== null) o.walk.notes.push({ policy: cp.name, message: clusterContainmentWords(cp) });
    if (cp.unknownLabels && !cp.unknownLabels.companion)
      o.walk.notes.push({ policy: cp.unknownLabels.of, message: unknownLabelsWords(view, cp.unknownLabels.of) });
  }
  const out = evaluateTier(cnps, (cp) => cp[o.dir], (rule) => ruleAdmits(view, rule, o.conn));
  if (out.action === null) return null;
  const hit = storedHit(o.tier, o.dir, out.policy, out);
  if (out.action === 'Pass') {
    o.walk.passed.push(hit);
    return null;
  }
  const accepted = out.action === 'Accept';
  return {
    state: accepted ? 'allowed' : 'denied',
    allowed: accepted,
    tier: o.tier,
    policy: hit.policy,
    rule: hit.rule,
    ruleName: hit.ruleName,
    reason: `${accepted ? 'accepted' : 'denied'} by ${hitWords(hit, o.dir)}`,
  };
}

/**
 * The hit as the stored policy and rule: rules of the fail-closed form for unknown
 * namespace labels (and of its companion) are named by the stored rule they come from.
 */
function storedHit(
  tier: 'Admin' | 'Baseline',
  dir: Direction,
  cp: EnforcedClusterPolicy,
  out: { action: ClusterRuleAction; rule: number; ruleName: string },
): ClusterRuleHit {
  const u = cp.error === null ? cp.unknownLabels : undefined;
  const index = u?.origins[dir][out.rule - 1];
  if (u === undefined || index === undefined)
    return { tier, policy: cp.name, rule: out.rule, ruleName: out.ruleName, action: out.action };
  return { tier, policy: u.of, rule: index + 1, ruleName: out.ruleName, action: out.action };
}

function unknownLabelsWords(view: ModelView, policy: string): string {
  const names = [...view.unreadableNamespaces].sort().join(', ');
  return `namespace labels of ${names} cannot be read: cluster policy ${policy} is enforced fail-closed (its Deny and Pass rules match pods whose unknown labels might match, and a Pass that only might match denies; its Accept rules match only what certainly matches)`;
}

const hitWords = (h: ClusterRuleHit, dir: Direction): string =>
  `${h.tier} cluster policy ${h.policy} ${dir} rule ${h.rule} (${h.ruleName})`;

/** Adds what the cluster tiers met (Pass rules, invalid or failed cluster policies) to a verdict. */
function finish(v: SideVerdict, walk: TierWalk, dir: Direction): SideVerdict {
  if (walk.passed.length === 0 && walk.notes.length === 0) return v;
  const passes = walk.passed.map((h) => `passed by ${hitWords(h, dir)}; `).join('');
  return {
    ...v,
    ...(walk.passed.length > 0 ? { passed: walk.passed } : {}),
    ...(walk.notes.length > 0 ? { clusterNotes: walk.notes } : {}),
    reason: `${passes}${v.reason}${walk.notes.map((n) => `; ${n.message}`).join('')}`,
  };
}

/** The NetworkPolicy tier: its verdict when policies isolate the pod in this direction, else null. */
function networkPolicyTier(view: ModelView, ep: Endpoint, dir: Direction, conn: Connection): SideVerdict | null {
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  const policies = view.policiesFor(ep).filter((p) => p.spec.types.includes(type)).sort(byOrder);
  if (policies.length === 0) return null;
  for (const p of policies) {
    if (p.spec.error) continue;
    const rules = dir === 'ingress' ? p.spec.ingress : p.spec.egress;
    for (const [i, rule] of rules.entries()) {
      if (!ruleAdmits(view, rule, conn)) continue;
      const at = { tier: 'NetworkPolicy' as const, policy: qualifiedName(p), rule: i + 1 };
      if (rule.action === 'Allow')
        return { state: 'allowed', allowed: true, ...at, reason: `allowed by policy ${at.policy} ${dir} rule ${at.rule}` };
      if (rule.action === 'Deny')
        return { state: 'denied', allowed: false, ...at, reason: `denied by policy ${at.policy} ${dir} rule ${at.rule}` };
      break; // Pass: the rest of this policy is skipped.
    }
  }
  const { state, allowed, ...rest } = isolatedVerdict(view, policies);
  return { state, allowed, tier: 'NetworkPolicy', ...rest };
}

/** No rule allowed: name every isolating policy, and say why the broken ones have no rules. */
function isolatedVerdict(view: ModelView, policies: Policy[]): SideVerdict {
  const names = policies.map(qualifiedName);
  const errors: { policy: string; message: string }[] = [];
  const invalid: { policy: string; key: string; message: string }[] = [];
  const notes: string[] = [];
  for (const p of policies) {
    const c = view.containedPolicy(p.metadata.namespace, p.metadata.name);
    if (view.isBlinded(p)) {
      const ns = p.metadata.namespace;
      notes.push(
        `namespace ${ns} cannot be read and the selector of policy ${qualifiedName(p)} reads its labels: the agents isolate every pod of ${ns} through it and allow nothing`,
      );
    } else if (c !== undefined && c.policy === p) {
      invalid.push({ policy: qualifiedName(p), key: c.key, message: c.error });
      notes.push(containmentWords(c));
    } else if (p.spec.error) {
      const message = `${p.spec.error.field}: ${p.spec.error.message}`;
      errors.push({ policy: qualifiedName(p), message });
      notes.push(`policy ${qualifiedName(p)} has an error and no rules (${message})`);
    }
  }
  return {
    state: 'isolated',
    allowed: false,
    policies: names,
    ...(errors.length > 0 ? { errors } : {}),
    ...(invalid.length > 0 ? { invalid } : {}),
    reason: `isolated by ${names.length === 1 ? 'policy' : 'policies'} ${names.join(', ')}; no rule allows${notes.map((n) => `; ${n}`).join('')}`,
  };
}

const strip = (p: ResolvedParty): Party => ({ pod: p.pod, ip: p.ip, node: p.node });

export function explainConnection(view: ModelView, q: ExplainQuery): Verdict {
  const fromSpec = resolveParty(view, q.from, '--from');
  const toSpec = resolveParty(view, q.to, '--to');
  const [fromIp, toIp] = pickIps(fromSpec, toSpec);
  const from = party(fromSpec, fromIp);
  const to = party(toSpec, toIp);
  if (from.pod !== null && from.pod === to.pod) {
    const same: SideVerdict = {
      state: 'same-pod',
      allowed: true,
      reason: 'same pod: traffic to its own IP never leaves the pod',
    };
    return { allowed: true, from: strip(from), to: strip(to), port: q.port, protocol: q.protocol, egress: same, ingress: same };
  }
  const common = { destination: to, port: q.port, protocol: q.protocol };
  const egress = evaluateSide(view, { direction: 'egress', subject: from, peer: to, ...common });
  const ingress = evaluateSide(view, { direction: 'ingress', subject: to, peer: from, ...common });
  return {
    allowed: egress.allowed && ingress.allowed,
    from: strip(from),
    to: strip(to),
    port: q.port,
    protocol: q.protocol,
    egress,
    ingress,
  };
}
