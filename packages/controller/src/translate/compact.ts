/**
 * Compact copies of listed and watched objects: only the fields that translation (and
 * client-node's informer cache: name, namespace, resourceVersion) read. The informer
 * caches every object it has seen, and a full pod (managed fields, env, volumes,
 * status conditions…) is many times larger than what an endpoint needs; at 100k pods
 * that difference is most of the controller's memory. Pure, and it never throws: a
 * field of an unexpected type is kept as it is, for translation to reject.
 */
import type { KContainer, KObjectMeta, KPod } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function compactMeta(m: unknown): KObjectMeta | undefined {
  if (!isObject(m)) return m as undefined;
  const out: KObjectMeta = {};
  for (const k of ['name', 'namespace', 'uid', 'labels', 'resourceVersion'] as const)
    if (m[k] !== undefined) (out as Record<string, unknown>)[k] = m[k];
  return out;
}

function compactContainers(cs: unknown): KContainer[] | null | undefined {
  if (!Array.isArray(cs)) return cs as null | undefined;
  return cs.map((c: unknown) => {
    if (!isObject(c)) return c as KContainer;
    const out: KContainer = {};
    if (c.ports !== undefined) out.ports = c.ports as KContainer['ports'];
    if (c.restartPolicy !== undefined) out.restartPolicy = c.restartPolicy as string | null;
    return out;
  });
}

/** What translatePod reads of a pod. */
export function compactPod(obj: unknown): unknown {
  if (!isObject(obj)) return obj;
  const pod: KPod = {};
  const meta = compactMeta(obj.metadata);
  if (meta !== undefined) pod.metadata = meta;
  const spec = obj.spec;
  if (isObject(spec)) {
    const s: NonNullable<KPod['spec']> = {};
    if (spec.nodeName !== undefined) s.nodeName = spec.nodeName as string | null;
    if (spec.hostNetwork !== undefined) s.hostNetwork = spec.hostNetwork as boolean | null;
    if (spec.containers !== undefined) s.containers = compactContainers(spec.containers) ?? null;
    if (spec.initContainers !== undefined) s.initContainers = compactContainers(spec.initContainers) ?? null;
    pod.spec = s;
  } else if (spec !== undefined) pod.spec = spec;
  const status = obj.status;
  if (isObject(status)) {
    const s: NonNullable<KPod['status']> = {};
    if (status.phase !== undefined) s.phase = status.phase as string | null;
    if (status.podIP !== undefined) s.podIP = status.podIP as string | null;
    if (status.podIPs !== undefined) s.podIPs = status.podIPs as { ip?: string | null }[] | null;
    pod.status = s;
  } else if (status !== undefined) pod.status = status;
  return pod;
}
