/** Tables for `get` (-o table / wide). The NAMESPACE column appears with -A, as in kubectl. */
import type { ClusterPolicy, Endpoint, Namespace, Policy } from '@palisade/model';
import type { NodeRow } from '../view/nodes.js';
import { formatAge, formatLabels, formatTable, oneLine, orNone } from './table.js';

export interface TableOptions {
  wide: boolean;
  allNamespaces: boolean;
  now: Date;
}

function withNamespace(o: TableOptions, headers: string[], rows: { ns: string; cells: string[] }[]): string {
  return o.allNamespaces
    ? formatTable(['NAMESPACE', ...headers], rows.map((r) => [r.ns, ...r.cells]))
    : formatTable(headers, rows.map((r) => r.cells));
}

export function policyTable(policies: Policy[], o: TableOptions): string {
  const headers = ['NAME', 'ORDER', 'SELECTOR', 'TYPES', ...(o.wide ? ['INGRESS-RULES', 'EGRESS-RULES', 'ERROR'] : [])];
  const rows = policies.map((p) => ({
    ns: p.metadata.namespace,
    cells: [
      p.metadata.name,
      String(p.spec.order),
      p.spec.selector,
      p.spec.types.join(','),
      ...(o.wide
        ? [
            String(p.spec.ingress.length),
            String(p.spec.egress.length),
            p.spec.error ? oneLine(`${p.spec.error.field}: ${p.spec.error.message}`) : '<none>',
          ]
        : []),
    ],
  }));
  return withNamespace(o, headers, rows);
}

/** Cluster-scoped: no NAMESPACE column. Rows come in evaluation order (tier, priority, name). */
export function clusterPolicyTable(policies: ClusterPolicy[], o: Pick<TableOptions, 'wide'>): string {
  const headers = ['NAME', 'TIER', 'PRIORITY', ...(o.wide ? ['SELECTOR', 'INGRESS-RULES', 'EGRESS-RULES', 'WARNINGS', 'ERROR'] : [])];
  const rows = policies.map((p) => [
    p.metadata.name,
    p.spec.tier,
    String(p.spec.priority),
    ...(o.wide
      ? [
          p.spec.selector,
          String(p.spec.ingress.length),
          String(p.spec.egress.length),
          p.spec.warnings.length === 0 ? '<none>' : oneLine(p.spec.warnings.join('; ')),
          p.spec.error ? oneLine(`${p.spec.error.field}: ${p.spec.error.message}`) : '<none>',
        ]
      : []),
  ]);
  return formatTable(headers, rows);
}

export function endpointTable(endpoints: Endpoint[], o: TableOptions): string {
  const headers = ['NAME', 'NODE', 'IPS', ...(o.wide ? ['LABELS', 'PORTS'] : [])];
  const rows = endpoints.map((e) => ({
    ns: e.metadata.namespace,
    cells: [
      e.metadata.name,
      e.spec.node,
      e.spec.ips.join(','),
      ...(o.wide
        ? [
            formatLabels(e.spec.labels),
            e.spec.ports.length === 0 ? '<none>' : e.spec.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`).join(','),
          ]
        : []),
    ],
  }));
  return withNamespace(o, headers, rows);
}

export function namespaceTable(namespaces: Namespace[]): string {
  return formatTable(
    ['NAME', 'LABELS'],
    namespaces.map((n) => [n.metadata.name, formatLabels(n.spec.labels)]),
  );
}

export function nodeTable(rows: NodeRow[], o: Pick<TableOptions, 'now'>): string {
  return formatTable(
    ['NAME', 'IN-SYNC', 'REVISION', 'LAG', 'ENDPOINTS', 'LAST-APPLY', 'ERROR'],
    rows.map((r) => [
      r.name,
      r.agent === null ? 'MISSING' : String(r.agent.status.inSync),
      orNone(r.programmedRevision),
      r.lag === null ? '<none>' : String(r.lag),
      String(r.endpoints),
      r.agent === null ? '<none>' : formatAge(r.agent.status.lastApply?.time, o.now),
      r.currentError === null ? '<none>' : oneLine(r.currentError),
    ]),
  );
}
