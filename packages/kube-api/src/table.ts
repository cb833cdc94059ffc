/**
 * meta.k8s.io/v1 Table output (what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with the columns the
 * real server's printers use for our resources.
 */
import type { ResourceDef } from './resources.js';
import { asObject, type JsonObject, type KubeObject } from './types.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', format = '', priority = 0): Column => ({
  name,
  type,
  format,
  description: name,
  priority,
});

const COLUMNS: Record<string, Column[]> = {
  namespaces: [col('Name', 'string', 'name'), col('Status'), col('Age')],
  pods: [
    col('Name', 'string', 'name'),
    col('Ready'),
    col('Status'),
    col('Restarts', 'string'),
    col('Age'),
    col('IP', 'string', '', 1),
    col('Node', 'string', '', 1),
    col('Nominated Node', 'string', '', 1),
    col('Readiness Gates', 'string', '', 1),
  ],
  networkpolicies: [col('Name', 'string', 'name'), col('Pod-Selector'), col('Age')],
  // The CRD's additionalPrinterColumns (Age is a date column, as for any CRD).
  clusternetworkpolicies: [
    col('Name', 'string', 'name'),
    col('Tier'),
    col('Priority'),
    col('Age', 'date'),
  ],
};

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

function age(o: KubeObject): string {
  const ts = o.metadata.creationTimestamp;
  return ts ? humanDuration(Date.now() - Date.parse(ts)) : '<unknown>';
}

/** metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: unknown): string {
  const s = asObject(sel);
  const parts = Object.entries(asObject(s.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const raw of Array.isArray(s.matchExpressions) ? s.matchExpressions : []) {
    const e = asObject(raw);
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String).sort().join(',') : '';
    if (e.operator === 'In') parts.push(`${key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.length === 0 ? '<none>' : parts.sort().join(',');
}

function podCells(o: KubeObject): unknown[] {
  const spec = asObject(o.spec);
  const status = asObject(o.status);
  const statuses = (Array.isArray(status.containerStatuses) ? status.containerStatuses : []).map(
    asObject,
  );
  const total = Array.isArray(spec.containers) ? spec.containers.length : 0;
  const ready = statuses.filter((c) => c.ready === true).length;
  const restarts = statuses.reduce(
    (n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0),
    0,
  );
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  let reason = str(status.reason) ?? str(status.phase) ?? 'Unknown';
  for (const c of statuses) {
    const st = asObject(c.state);
    const why = asObject(st.waiting).reason ?? asObject(st.terminated).reason;
    if (typeof why === 'string' && why) reason = why;
  }
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  const none = (v: unknown): string => (typeof v === 'string' && v ? v : '<none>');
  return [
    o.metadata.name,
    `${ready}/${total}`,
    reason,
    restarts,
    age(o),
    none(status.podIP),
    none(spec.nodeName),
    none(status.nominatedNodeName),
    '<none>',
  ];
}

function phaseOf(o: KubeObject): string {
  const p = asObject(o.status).phase;
  return typeof p === 'string' ? p : '';
}

function cells(def: ResourceDef, o: KubeObject): unknown[] {
  switch (def.plural) {
    case 'pods':
      return podCells(o);
    case 'namespaces':
      return [o.metadata.name, phaseOf(o), age(o)];
    case 'clusternetworkpolicies': {
      const spec = asObject(o.spec);
      const show = (v: unknown): string | null =>
        typeof v === 'string' || typeof v === 'number' ? String(v) : null;
      return [o.metadata.name, show(spec.tier), show(spec.priority), age(o)];
    }
    default:
      return [o.metadata.name, formatLabelSelector(asObject(o.spec).podSelector), age(o)];
  }
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(
  def: ResourceDef,
  objects: KubeObject[],
  opts: { include: IncludeObject; listMeta: JsonObject },
): JsonObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta,
    columnDefinitions: COLUMNS[def.plural] ?? [],
    rows: objects.map((o) => {
      const row: JsonObject = { cells: cells(def, o) };
      const obj = rowObject(o, opts.include);
      if (obj) row.object = obj;
      return row;
    }),
  };
}

/** Whether the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return (
      params.includes('as=Table') &&
      params.includes('g=meta.k8s.io') &&
      (params[0] ?? '').includes('json')
    );
  });
}
