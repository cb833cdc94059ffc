/**
 * Builders for ClusterNetworkPolicy scenarios (policy.networking.k8s.io/v1alpha2).
 * Expectations stay hand-written predicates (builder.ts), derived from the API text:
 * per direction Admin (by priority, rules in order; first match decides, Pass leaves
 * the tier), then NetworkPolicy (final for isolated pods), then Baseline, then allow;
 * a connection needs the source's egress and the destination's ingress.
 */
const NAME = 'kubernetes.io/metadata.name';

export type Peer = Record<string, unknown>;
export type Protocol = Record<string, unknown>;

/** `namespaces` selector for the namespaces named; no names: every namespace. */
export const namespaces = (...names: string[]): Peer => ({
  namespaces: names.length === 0 ? {} : names.length === 1 ? { matchLabels: { [NAME]: names[0] } } : { matchExpressions: [{ key: NAME, operator: 'In', values: names }] },
});
/** `pods`: pods labelled pod=<pod> in the namespace named (every namespace when null). */
export const pods = (ns: string | null, podLabels: Record<string, string>): Peer => ({
  pods: { namespaceSelector: ns === null ? {} : { matchLabels: { [NAME]: ns } }, podSelector: { matchLabels: podLabels } },
});
export const networks = (...cidrs: string[]): Peer => ({ networks: cidrs });

export const tcp = (port: number | [number, number]): Protocol => ({ tcp: { destinationPort: typeof port === 'number' ? { number: port } : { range: { start: port[0], end: port[1] } } } });
export const udp = (port: number): Protocol => ({ udp: { destinationPort: { number: port } } });
export const namedPort = (name: string): Protocol => ({ destinationNamedPort: name });

export type Action = 'Accept' | 'Deny' | 'Pass';
export interface RuleOpts {
  name?: string;
  protocols?: Protocol[];
}
export const inRule = (action: Action, from: Peer[], o: RuleOpts = {}): Record<string, unknown> => ({
  ...(o.name ? { name: o.name } : {}),
  action,
  from,
  ...(o.protocols ? { protocols: o.protocols } : {}),
});
export const outRule = (action: Action, to: Peer[], o: RuleOpts = {}): Record<string, unknown> => ({
  ...(o.name ? { name: o.name } : {}),
  action,
  to,
  ...(o.protocols ? { protocols: o.protocols } : {}),
});

export function cnp(
  name: string,
  tier: 'Admin' | 'Baseline',
  priority: number,
  subject: Peer,
  rules: { ingress?: Record<string, unknown>[]; egress?: Record<string, unknown>[] },
): Record<string, unknown> {
  return {
    apiVersion: 'policy.networking.k8s.io/v1alpha2',
    kind: 'ClusterNetworkPolicy',
    metadata: { name },
    spec: { tier, priority, subject, ...(rules.ingress ? { ingress: rules.ingress } : {}), ...(rules.egress ? { egress: rules.egress } : {}) },
  };
}

export const deleteCnp = (name: string): { kind: 'ClusterNetworkPolicy'; name: string } => ({ kind: 'ClusterNetworkPolicy', name });
