/**
 * Pod → Endpoint. Pure. Only pods that own an IP on a node's pod network become
 * endpoints: host-network pods share the node's IP (Kubernetes does not police them),
 * and pods without an IP or node, or that have terminated, carry no traffic.
 */
import {
  API_VERSION,
  EndpointSchema,
  PalisadeError,
  PortNameSchema,
  type Endpoint,
  type Labels,
  type NamedPort,
  type Protocol,
} from '@palisade/model';
import { canonicalIp } from './ip.js';
import type { KContainer, KPod } from './types.js';

const PROTOCOLS = new Set<string>(['TCP', 'UDP', 'SCTP']);

export function stringLabels(labels: unknown): Labels {
  const out: Labels = {};
  if (typeof labels !== 'object' || labels === null) return out;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

function podIps(pod: KPod): string[] {
  const listed = (pod.status?.podIPs ?? []).map((p) => p?.ip).filter((ip): ip is string => typeof ip === 'string');
  const raw = listed.length > 0 ? listed : pod.status?.podIP ? [pod.status.podIP] : [];
  const out: string[] = [];
  for (const ip of raw) {
    const c = canonicalIp(ip);
    if (c !== null && !out.includes(c)) out.push(c);
  }
  return out;
}

/** Named container ports of containers and restartable (sidecar) init containers. */
function namedPorts(pod: KPod): NamedPort[] {
  const containers: KContainer[] = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c?.restartPolicy === 'Always'),
  ];
  const seen = new Map<string, NamedPort>();
  for (const c of containers) {
    for (const p of c?.ports ?? []) {
      const protocol = p?.protocol ?? 'TCP';
      const port = p?.containerPort;
      if (!p?.name || !PortNameSchema.safeParse(p.name).success || !PROTOCOLS.has(protocol)) continue;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) continue;
      const id = `${p.name}/${protocol}`;
      if (!seen.has(id)) seen.set(id, { name: p.name, protocol: protocol as Protocol, port });
    }
  }
  return [...seen.values()].sort((a, b) =>
    a.name === b.name ? a.protocol.localeCompare(b.protocol) : a.name.localeCompare(b.name),
  );
}

/**
 * The endpoint of a pod, or null when the pod has none. Throws
 * PalisadeError('INVALID_INPUT') when the pod's names cannot be stored.
 */
export function translatePod(pod: KPod): Endpoint | null {
  if (pod.spec?.hostNetwork === true) return null;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return null;
  const node = pod.spec?.nodeName;
  if (!node) return null;
  const ips = podIps(pod);
  if (ips.length === 0) return null;
  const metadata: Endpoint['metadata'] = { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' };
  if (pod.metadata?.uid) metadata.uid = pod.metadata.uid;
  const candidate: Endpoint = {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata,
    spec: { node, ips, labels: stringLabels(pod.metadata?.labels), ports: namedPorts(pod) },
  };
  const parsed = EndpointSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  throw new PalisadeError('INVALID_INPUT', 'pod cannot be stored as an endpoint', {
    cause: parsed.error,
    fields: { pod: `${metadata.namespace}/${metadata.name}`, field: parsed.error.issues[0]?.path.join('.') },
  });
}
