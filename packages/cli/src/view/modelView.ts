/**
 * A read-only, indexed view of one snapshot of the model: what `get`, `describe`,
 * `status` and `explain` all read. Built once per command from a single etcd read, so
 * every answer is about one consistent revision.
 *
 * Which endpoints a policy applies to is what the agents enforce: its selector
 * confined to its own namespace (the model's policySubject), and every invalid policy
 * as the deny-all stand-in the agents put in its place (containment.ts). Peer
 * selectors of valid policies always parse (otherwise the policy is invalid).
 * Cluster policies likewise: as enforced (clusterContainment.ts), in evaluation order.
 *
 * A namespace whose stored value cannot be read has UNKNOWN labels, as in the agent's
 * validation filter and label index: a selector matches its pods only when the answer
 * does not depend on the namespace's labels (three-valued); a policy of that namespace
 * whose own selector reads namespace labels isolates the whole namespace; and cluster
 * policies that read namespace labels are evaluated in their fail-closed form (the
 * model's containClusterPolicy, the function the agent calls).
 */
import {
  NAMESPACE_LABEL_PREFIX,
  compareClusterPolicies,
  evaluateSelector,
  isolatingPolicy,
  matchSelector,
  parseKey,
  parseSelector,
  policySubject,
  readsNamespaceLabels,
  selectorLabels,
} from '@palisade/model';
import type {
  AgentStatus,
  ClusterPolicy,
  Endpoint,
  Labels,
  Namespace,
  Policy,
  PolicySubject,
  SelectorExpr,
  Tier,
} from '@palisade/model';
import { sameIp } from '../explain/ip.js';
import { containInvalidClusterPolicy, enforceClusterPolicy, evaluatedClusterPolicies } from './clusterContainment.js';
import type { EnforcedClusterPolicy } from './clusterContainment.js';
import { containInvalidPolicy } from './containment.js';
import type { ContainedPolicy } from './containment.js';

export interface Stored<T> {
  key: string;
  value: T;
  /** The exact text stored in etcd. */
  raw: string;
  modRevision: string;
}

export interface InvalidEntry {
  key: string;
  error: string;
  modRevision?: string;
}

export interface ModelData {
  /** The etcd revision the snapshot was read at. */
  revision: string;
  policies: Stored<Policy>[];
  clusterPolicies: Stored<ClusterPolicy>[];
  endpoints: Stored<Endpoint>[];
  namespaces: Stored<Namespace>[];
  agents: Stored<AgentStatus>[];
  /** The elected controller, when one holds the lease. */
  leader: { id: string; since?: string } | null;
  invalid: InvalidEntry[];
  /**
   * The highest mod revision under policy/, endpoint/ and namespace/: the newest
   * write agents must have programmed. (Deletions leave no key behind, so they are
   * not seen here.)
   */
  modelRevision: string;
}

const isNamespaceLabel = (key: string): boolean => key.startsWith(NAMESPACE_LABEL_PREFIX);

const byNsName = <T extends { metadata: { namespace: string; name: string } }>(a: T, b: T): number =>
  a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name);

export function qualifiedName(obj: { metadata: { namespace: string; name: string } }): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

export class ModelView {
  readonly policies: Policy[];
  readonly endpoints: Endpoint[];
  readonly namespaces: Namespace[];
  /** Invalid stored policies, as the agents enforce them. */
  readonly contained: ContainedPolicy[];
  /** Valid policies and the stand-ins of invalid ones: what the agents enforce. */
  readonly enforced: Policy[];
  /** Valid cluster policies and the stand-ins of invalid ones, by tier then (priority, name). */
  readonly clusterPolicies: EnforcedClusterPolicy[];
  /** Namespaces whose stored value cannot be read: their labels are unknown. */
  readonly unreadableNamespaces: ReadonlySet<string>;
  /** What explain walks: `clusterPolicies` in their fail-closed form for unknown namespace labels. */
  private readonly evaluatedCluster: EnforcedClusterPolicy[];
  /** Policies isolating their whole namespace because its labels are unknown, by ns/name. */
  private readonly blinded = new Map<string, Policy>();
  private readonly nsLabels = new Map<string, Labels>();
  private readonly parsed = new Map<string, SelectorExpr | null>();
  private readonly subjects = new Map<string, PolicySubject>();
  private readonly containedByName = new Map<string, ContainedPolicy>();

  constructor(readonly data: ModelData) {
    this.unreadableNamespaces = new Set(
      data.invalid.flatMap((i) => {
        const k = parseKey(i.key);
        return k?.kind === 'namespace' ? [k.name] : [];
      }),
    );
    this.policies = data.policies.map((s) => s.value).sort(byNsName);
    this.contained = data.invalid
      .flatMap((i) => containInvalidPolicy(i.key, i.error) ?? [])
      .sort((a, b) => a.key.localeCompare(b.key));
    for (const c of this.contained) this.containedByName.set(`${c.namespace}/${c.name}`, c);
    this.enforced = [...this.policies.map((p) => this.blind(p)), ...this.contained.map((c) => c.policy)].sort(byNsName);
    const tierRank = (t: Tier): number => (t === 'Admin' ? 0 : 1);
    const inOrder = (list: EnforcedClusterPolicy[]): EnforcedClusterPolicy[] =>
      list.sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || compareClusterPolicies(a.source, b.source));
    const invalidCluster = data.invalid.flatMap((i) => containInvalidClusterPolicy(i.key, i.error) ?? []);
    this.clusterPolicies = inOrder([...data.clusterPolicies.map((s) => enforceClusterPolicy(s.value)), ...invalidCluster]);
    this.evaluatedCluster =
      this.unreadableNamespaces.size === 0
        ? this.clusterPolicies
        : inOrder([
            ...data.clusterPolicies.flatMap((s) => evaluatedClusterPolicies(s.value, this.unreadableNamespaces)),
            ...invalidCluster,
          ]);
    this.endpoints = data.endpoints.map((s) => s.value).sort(byNsName);
    this.namespaces = data.namespaces
      .map((s) => s.value)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    for (const n of this.namespaces) this.nsLabels.set(n.metadata.name, n.spec.labels);
  }

  /** A valid policy, or its isolating stand-in while its namespace's labels are unknown (as the agent). */
  private blind(p: Policy): Policy {
    const ns = p.metadata.namespace;
    if (!this.unreadableNamespaces.has(ns) || !readsNamespaceLabels(p.spec.selector)) return p;
    const standIn = isolatingPolicy(ns, p.metadata.name, `namespace ${ns} cannot be read and spec.selector reads its labels`);
    this.blinded.set(qualifiedName(p), standIn);
    return standIn;
  }

  /** Whether the agents enforce `policy` as an isolating stand-in because its namespace cannot be read. */
  isBlinded(policy: Policy): boolean {
    return this.blinded.get(qualifiedName(policy)) === policy;
  }

  /** Parses (and caches) a stored selector; null when it does not parse. */
  selector(text: string): SelectorExpr | null {
    if (!this.parsed.has(text)) {
      let expr: SelectorExpr | null = null;
      try {
        expr = parseSelector(text);
      } catch {
        expr = null;
      }
      this.parsed.set(text, expr);
    }
    return this.parsed.get(text) ?? null;
  }

  /** The labels a selector sees for this endpoint (its own, its namespace's, pal:namespace). */
  labelsOf(ep: Endpoint): Labels {
    const ns = ep.metadata.namespace;
    return selectorLabels(ep.spec.labels, ns, this.nsLabels.get(ns) ?? {});
  }

  /** Two-valued, or three-valued (only a certain `true` matches) in a namespace that cannot be read. */
  matches(selectorText: string, ep: Endpoint): boolean {
    const expr = this.selector(selectorText);
    if (expr === null) return false;
    if (!this.unreadableNamespaces.has(ep.metadata.namespace)) return matchSelector(expr, this.labelsOf(ep));
    return evaluateSelector(expr, this.labelsOf(ep), isNamespaceLabel) === true;
  }

  /** Endpoints a selector matches right now. */
  selected(selectorText: string): Endpoint[] {
    return this.endpoints.filter((ep) => this.matches(selectorText, ep));
  }

  /** The endpoints a policy applies to, as the agents decide it (policySubject). */
  subject(policy: Policy): PolicySubject {
    const cacheKey = `${policy.metadata.namespace}\0${policy.spec.selector}`;
    let subject = this.subjects.get(cacheKey);
    if (subject === undefined) {
      subject = policySubject(policy.metadata.namespace, policy.spec.selector);
      this.subjects.set(cacheKey, subject);
    }
    return subject;
  }

  /** Whether the agents apply `policy` to `ep`. */
  applies(policy: Policy, ep: Endpoint): boolean {
    const expr = this.subject(policy).expr;
    if (!this.unreadableNamespaces.has(ep.metadata.namespace)) return matchSelector(expr, this.labelsOf(ep));
    return evaluateSelector(expr, this.labelsOf(ep), isNamespaceLabel) === true;
  }

  /** Endpoints the agents apply a policy to right now. */
  selectedBy(policy: Policy): Endpoint[] {
    return this.endpoints.filter((ep) => this.applies(policy, ep));
  }

  /** The policies the agents apply to the endpoint, invalid ones' stand-ins included. */
  policiesFor(ep: Endpoint): Policy[] {
    return this.enforced.filter((p) => this.applies(p, ep));
  }

  /** Endpoints a cluster policy selects right now (not confined to a namespace). */
  selectedByCluster(cp: Pick<EnforcedClusterPolicy, 'selector'>): Endpoint[] {
    return this.selected(cp.selector);
  }

  /** The cluster policies of `tier` selecting `ep` with rules for `direction`, in evaluation order. */
  clusterPoliciesFor(ep: Endpoint, tier: Tier, direction: 'ingress' | 'egress'): EnforcedClusterPolicy[] {
    return this.evaluatedCluster.filter(
      (cp) => cp.tier === tier && cp[direction].length > 0 && this.matches(cp.selector, ep),
    );
  }

  findClusterPolicy(name: string): EnforcedClusterPolicy | undefined {
    return this.clusterPolicies.find((cp) => cp.name === name);
  }

  /** The containment of an invalid stored policy, by namespace and name. */
  containedPolicy(namespace: string, name: string): ContainedPolicy | undefined {
    return this.containedByName.get(`${namespace}/${name}`);
  }

  /** The invalid stored value of an endpoint, when its key names this one. */
  invalidEndpoint(namespace: string, name: string): InvalidEntry | undefined {
    return this.data.invalid.find((i) => {
      const k = parseKey(i.key);
      return k?.kind === 'endpoint' && k.namespace === namespace && k.name === name;
    });
  }

  findEndpoint(namespace: string, name: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.metadata.namespace === namespace && e.metadata.name === name);
  }

  findEndpointByIp(ip: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.spec.ips.some((i) => sameIp(i, ip)));
  }

  findPolicy(namespace: string, name: string): Policy | undefined {
    return this.policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
  }
}
