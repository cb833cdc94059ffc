/**
 * The explain evaluator: Kubernetes NetworkPolicy semantics over the stored model.
 * Pure (no I/O): the e2e suite uses it as the oracle that real traffic must agree with.
 *
 * A connection is allowed when both sides allow it. The source pod's egress side is
 * isolated iff some policy selecting it has type Egress; the destination pod's
 * ingress side likewise with Ingress. An isolated side allows the connection iff a
 * rule of one of its policies admits it (policies in `order`, then namespace/name;
 * the first matching rule decides, which for Kubernetes' allow-only rules is the
 * union). A policy with spec.error keeps isolating but has no rules. A plain IP
 * that is no pod's is not policed on its side. A pod always reaches itself.
 *
 * Which policies select a pod is what the agents enforce (ModelView.policiesFor): a
 * namespaced policy only selects pods of its own namespace, and an invalid stored
 * policy isolates its whole namespace in both directions and allows nothing. The
 * verdict says so whenever such a policy is involved, never silently.
 */
import { PalisadeError } from '@palisade/model';
import type { Endpoint, Policy, Protocol } from '@palisade/model';
import type { ModelView } from '../view/modelView.js';
import { qualifiedName } from '../view/modelView.js';
import { containmentWords } from '../view/containment.js';
import { ipFamily, parseIp } from './ip.js';
import { ruleAdmits } from './ruleMatch.js';
import type { Direction, ExplainQuery, Party, ResolvedParty, SideVerdict, Verdict } from './types.js';

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
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  const name = qualifiedName(s.subject.endpoint);
  const policies = view.policiesFor(s.subject.endpoint).filter((p) => p.spec.types.includes(type)).sort(byOrder);
  if (policies.length === 0)
    return { state: 'not-isolated', allowed: true, reason: `not isolated (no policy selects ${name} for ${dir})` };
  const conn = {
    peer: { endpoint: s.peer.endpoint, ip: s.peer.ip },
    destination: s.destination.endpoint,
    port: s.port,
    protocol: s.protocol,
  };
  for (const p of policies) {
    if (p.spec.error) continue;
    const rules = dir === 'ingress' ? p.spec.ingress : p.spec.egress;
    for (const [i, rule] of rules.entries()) {
      if (!ruleAdmits(view, rule, conn)) continue;
      const at = { policy: qualifiedName(p), rule: i + 1 };
      if (rule.action === 'Allow')
        return { state: 'allowed', allowed: true, ...at, reason: `allowed by policy ${at.policy} ${dir} rule ${at.rule}` };
      if (rule.action === 'Deny')
        return { state: 'denied', allowed: false, ...at, reason: `denied by policy ${at.policy} ${dir} rule ${at.rule}` };
      break; // Pass: the rest of this policy is skipped.
    }
  }
  return isolatedVerdict(view, policies);
}

/** No rule allowed: name every isolating policy, and say why the broken ones have no rules. */
function isolatedVerdict(view: ModelView, policies: Policy[]): SideVerdict {
  const names = policies.map(qualifiedName);
  const errors: { policy: string; message: string }[] = [];
  const invalid: { policy: string; key: string; message: string }[] = [];
  const notes: string[] = [];
  for (const p of policies) {
    const c = view.containedPolicy(p.metadata.namespace, p.metadata.name);
    if (c !== undefined && c.policy === p) {
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
