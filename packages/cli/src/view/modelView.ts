/**
 * A read-only, indexed view of one snapshot of the model: what `get`, `describe`,
 * `status` and `explain` all read. Built once per command from a single etcd read, so
 * every answer is about one consistent revision.
 *
 * Selectors that do not parse match nothing: the CLI never claims more access than
 * the agents could grant (they contain such values the same way).
 */
import { matchSelector, parseSelector, selectorLabels } from '@palisade/model';
import { sameIp } from '../explain/ip.js';
import type { AgentStatus, Endpoint, Labels, Namespace, Policy, SelectorExpr } from '@palisade/model';

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
}

export interface ModelData {
  /** The etcd revision the snapshot was read at. */
  revision: string;
  policies: Stored<Policy>[];
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
  private readonly nsLabels = new Map<string, Labels>();
  private readonly parsed = new Map<string, SelectorExpr | null>();

  constructor(readonly data: ModelData) {
    this.policies = data.policies.map((s) => s.value).sort(byNsName);
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

  /** Policies whose selector matches the endpoint. */
  policiesFor(ep: Endpoint): Policy[] {
    return this.policies.filter((p) => this.matches(p.spec.selector, ep));
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
