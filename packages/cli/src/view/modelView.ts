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
 */
import { compareClusterPolicies, matchSelector, parseKey, parseSelector, policySubject, selectorLabels } from '@palisade/model';
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
import { containInvalidClusterPolicy, enforceClusterPolicy } from './clusterContainment.js';
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
  private readonly nsLabels = new Map<string, Labels>();
  private readonly parsed = new Map<string, SelectorExpr | null>();
  private readonly subjects = new Map<string, PolicySubject>();
  private readonly containedByName = new Map<string, ContainedPolicy>();

  constructor(readonly data: ModelData) {
    this.policies = data.policies.map((s) => s.value).sort(byNsName);
    this.contained = data.invalid
      .flatMap((i) => containInvalidPolicy(i.key, i.error) ?? [])
      .sort((a, b) => a.key.localeCompare(b.key));
    for (const c of this.contained) this.containedByName.set(`${c.namespace}/${c.name}`, c);
    this.enforced = [...this.policies, ...this.contained.map((c) => c.policy)].sort(byNsName);
    const tierRank = (t: Tier): number => (t === 'Admin' ? 0 : 1);
    this.clusterPolicies = [
      ...data.clusterPolicies.map((s) => enforceClusterPolicy(s.value)),
      ...data.invalid.flatMap((i) => containInvalidClusterPolicy(i.key, i.error) ?? []),
    ].sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || compareClusterPolicies(a.source, b.source));
    this.endpoints = data.endpoints.map((s) => s.value).sort(byNsName);
    this.namespaces = data.namespaces
      .map((s) => s.value)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    for (const n of this.namespaces) this.nsLabels.set(n.metadata.name, n.spec.labels);
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

  matches(selectorText: string, ep: Endpoint): boolean {
    const expr = this.selector(selectorText);
    return expr !== null && matchSelector(expr, this.labelsOf(ep));
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
    return matchSelector(this.subject(policy).expr, this.labelsOf(ep));
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
    return this.clusterPolicies.filter(
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
