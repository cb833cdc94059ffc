/**
 * How a cluster policy is enforced while some namespaces' labels are UNKNOWN (their
 * stored values cannot be read). Pure; used by the agent's validation filter (so the
 * calc graph needs no notion of it) and by palisadectl's explain, so that what is
 * shown is what is enforced. The rule (docs/cluster-policy.md, "Unknown namespace
 * labels") fails closed: what is enforced never allows more than some truthful
 * assignment of the unknown labels would.
 *
 * For an endpoint of such a namespace a selector that reads namespace labels is true,
 * false or unknown (Kleene; the LabelIndex matches only `true`, "definitely").
 *  - Accept: the peer must match definitely, and the subject must be selected
 *    definitely.
 *  - Deny: peer and subject match "possibly" (true or unknown).
 *  - Pass: definitely matched (subject and peer) passes; possibly but not definitely
 *    matched denies, so an unknown Pass never skips a later Admin Deny.
 *
 * Encoding: possibly(S) = S || (pal:namespace in {U} && relax(S)), where relax(S)
 * replaces every namespace-label term with all(). Selectors negate only atoms, so S is
 * monotone in its atoms and relax(S) is false exactly when the Kleene value is false.
 *  - The policy keeps its subject S. Deny peers become possibly(peer); a Pass rule
 *    whose peers read namespace labels is followed by a Deny copy over possibly(peers).
 *  - When S reads namespace labels, a COMPANION policy `<name>!unknown-labels` selects
 *    possibly-but-maybe-not-definitely selected endpoints (pal:namespace in {U} &&
 *    relax(S)) with only the Deny-like rules (Deny, and Pass as Deny) over
 *    possibly(peers). It sorts right after the policy ('!' sorts before every
 *    character of a Kubernetes name), and for a definitely selected endpoint it is a
 *    no-op: each of its rules matches a subset of what a rule of the policy decided.
 *  - A policy with `error` is all Deny: its subject simply becomes possibly(S).
 */
import type { ClusterPolicy, ClusterRule } from './schema/clusterPolicy.js';
import type { Peer } from './schema/policy.js';
import { selectorKeys } from './selector/matcher.js';
import { parseSelector } from './selector/parser.js';
import { printSelector } from './selector/printer.js';
import { ALL_SELECTOR, NAMESPACE_LABEL_PREFIX, NAMESPACE_NAME_LABEL, type SelectorExpr } from './selector/types.js';

/** Whether the selector reads namespace labels (`ns:` keys); false when it does not parse. */
export function readsNamespaceLabels(selector: string): boolean {
  try {
    return selectorKeys(parseSelector(selector)).some((k) => k.startsWith(NAMESPACE_LABEL_PREFIX));
  } catch {
    return false;
  }
}

export const COMPANION_SUFFIX = '!unknown-labels';

/** The companion's name: never a Kubernetes name, and sorts right after `name`. */
export function companionName(name: string): string {
  return `${name}${COMPANION_SUFFIX}`;
}

/** For each rule of a direction, the 0-based index of the stored rule it comes from. */
export interface RuleOrigins {
  ingress: number[];
  egress: number[];
}

export interface ContainedClusterPolicy {
  policy: ClusterPolicy;
  /** Deny-like rules for possibly selected endpoints; null when none are needed. */
  companion: ClusterPolicy | null;
  /** Where each rule of `policy` and `companion` comes from (explain names the stored rule). */
  origins: { policy: RuleOrigins; companion: RuleOrigins | null };
}

const identity = (cp: ClusterPolicy): RuleOrigins => ({
  ingress: cp.spec.ingress.map((_, i) => i),
  egress: cp.spec.egress.map((_, i) => i),
});

/** Whether the subject or any peer selector reads namespace labels. */
export function clusterPolicyReadsNamespaceLabels(cp: ClusterPolicy): boolean {
  return (
    readsNamespaceLabels(cp.spec.selector) ||
    [...cp.spec.ingress, ...cp.spec.egress].some((r) => r.peers.some(peerReads))
  );
}

/** What enforces `cp` while the namespaces in `unreadable` have unknown labels. */
export function containClusterPolicy(
  cp: ClusterPolicy,
  unreadable: ReadonlySet<string>,
): ContainedClusterPolicy {
  const unchanged = (policy: ClusterPolicy): ContainedClusterPolicy => ({
    policy,
    companion: null,
    origins: { policy: identity(cp), companion: null },
  });
  if (unreadable.size === 0 || !clusterPolicyReadsNamespaceLabels(cp)) return unchanged(cp);
  const possibly = possiblyMatches([...unreadable]);
  const widen = (p: Peer): Peer => ('selector' in p ? { selector: possibly(p.selector) } : p);
  const { spec } = cp;
  if (spec.error !== undefined) return unchanged({ ...cp, spec: { ...spec, selector: possibly(spec.selector) } });
  const own = (rules: ClusterRule[]): [ClusterRule, number][] =>
    rules.flatMap((r, i): [ClusterRule, number][] => {
      if (r.action === 'Accept') return [[r, i]];
      const denyCopy: ClusterRule = { ...r, action: 'Deny', peers: r.peers.map(widen) };
      if (r.action === 'Deny') return [[denyCopy, i]];
      return r.peers.some(peerReads) ? [[r, i], [denyCopy, i]] : [[r, i]];
    });
  const denyLike = (rules: ClusterRule[]): [ClusterRule, number][] =>
    rules.flatMap((r, i): [ClusterRule, number][] =>
      r.action === 'Accept' ? [] : [[{ ...r, action: 'Deny', peers: r.peers.map(widen) }, i]],
    );
  const rulesOf = (pairs: [ClusterRule, number][]): ClusterRule[] => pairs.map(([r]) => r);
  const originsOf = (pairs: [ClusterRule, number][]): number[] => pairs.map(([, i]) => i);
  const ownIn = own(spec.ingress);
  const ownOut = own(spec.egress);
  const policy = { ...cp, spec: { ...spec, ingress: rulesOf(ownIn), egress: rulesOf(ownOut) } };
  const policyOrigins = { ingress: originsOf(ownIn), egress: originsOf(ownOut) };
  const alone: ContainedClusterPolicy = { policy, companion: null, origins: { policy: policyOrigins, companion: null } };
  if (!readsNamespaceLabels(spec.selector)) return alone;
  const ingress = denyLike(spec.ingress);
  const egress = denyLike(spec.egress);
  if (ingress.length === 0 && egress.length === 0) return alone;
  const companion: ClusterPolicy = {
    ...cp,
    metadata: { name: companionName(cp.metadata.name) },
    spec: {
      ...spec,
      selector: onlyUnknown(spec.selector, [...unreadable]),
      ingress: rulesOf(ingress),
      egress: rulesOf(egress),
    },
  };
  return {
    policy,
    companion,
    origins: { policy: policyOrigins, companion: { ingress: originsOf(ingress), egress: originsOf(egress) } },
  };
}

function peerReads(p: Peer): boolean {
  return 'selector' in p && readsNamespaceLabels(p.selector);
}

/** relax(S): every namespace-label term becomes all(). */
function relax(e: SelectorExpr): SelectorExpr {
  switch (e.op) {
    case 'all':
      return e;
    case 'and':
    case 'or':
      return { op: e.op, terms: e.terms.map(relax) };
    case 'eq':
    case 'ne':
    case 'in':
    case 'notin':
    case 'has':
    case 'nothas':
      return e.key.startsWith(NAMESPACE_LABEL_PREFIX) ? { op: 'all' } : e;
  }
}

function parseOrAll(text: string): SelectorExpr {
  try {
    return parseSelector(text);
  } catch {
    // decode() rejected unparsable selectors already; all() is the safe reading for a Deny.
    return parseSelector(ALL_SELECTOR);
  }
}

/** pal:namespace in {U} && relax(S): the endpoints of U that S may select. */
function onlyUnknown(text: string, unreadable: string[]): string {
  return printSelector(unknownPart(parseOrAll(text), unreadable));
}

function unknownPart(expr: SelectorExpr, unreadable: string[]): SelectorExpr {
  const inU: SelectorExpr = { op: 'in', key: NAMESPACE_NAME_LABEL, values: [...unreadable] };
  return { op: 'and', terms: [inU, relax(expr)] };
}

/** possibly(S) for the given unreadable namespaces; S unchanged when it reads no namespace label. */
function possiblyMatches(unreadable: string[]): (text: string) => string {
  return (text) => {
    if (!readsNamespaceLabels(text)) return text;
    const expr = parseOrAll(text);
    return printSelector({ op: 'or', terms: [expr, unknownPart(expr, unreadable)] });
  };
}
