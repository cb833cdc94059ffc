/**
 * The `cluster` section of a scenario (../shared/scenarios/FORMAT.md), normalized:
 * namespaces in the order listed, every pod in matrix order with its exact labels,
 * and every served port as one (port, protocol, container port name).
 *
 * A namespace's value is in the long form when its `labels` or `pods` value is a map;
 * otherwise it is the short form, the namespace's labels (a label value is always a
 * string, so the two never collide). Short-form namespaces get the pods of `pods`,
 * labelled {pod: <name>}; a long-form namespace gets exactly the pods it lists.
 */
import { z } from 'zod';
import { defaultPortName, PROTOCOLS, type Protocol, type ServedPort } from '../harness/ports.js';

export { PROTOCOLS, type Protocol, type ServedPort };

export interface PodSpec {
  /** `<namespace>/<name>` */
  id: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

export interface ClusterSpec {
  nodes: number;
  namespaces: { name: string; labels: Record<string, string> }[];
  /** Every pod, in matrix order. */
  pods: PodSpec[];
  ports: ServedPort[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// JavaScript objects put integer-like keys first, whatever the file's order: such a
// name would silently move in the matrix order.
const Name = z
  .string()
  .max(63)
  .regex(DNS_LABEL, 'must be a DNS label (a-z, 0-9, -)')
  .refine((s) => !/^\d+$/.test(s), 'a name of digits only would lose its place in the matrix order');
export const Labels = z.record(z.string(), z.string());
const PortNumber = z.number().int().min(1).max(65535);
/** Kubernetes' IANA_SVC_NAME, the rule for container port names. */
const PortName = z
  .string()
  .max(15, 'a container port name has at most 15 characters')
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a container port name is a-z, 0-9 and -, not at either end')
  .refine((s) => /[a-z]/.test(s) && !s.includes('--'), 'a container port name has a letter and no "--"');
const PortObject = z.object({ port: PortNumber, protocol: z.enum(PROTOCOLS), name: PortName.optional() }).strict();
const LongNamespace = z.object({ labels: Labels.optional(), pods: z.record(Name, Labels.nullable()).optional() }).strict();

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `value` with `schema`, reporting its issues at the current path. */
function sub<T extends z.ZodTypeAny>(schema: T, value: unknown, ctx: z.RefinementCtx): z.infer<T> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<T>;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return undefined;
}

type NamespaceValue = { labels: Record<string, string>; pods: Record<string, Record<string, string>> | null };

const NamespaceValueSchema = z.unknown().transform((v, ctx): NamespaceValue => {
  if (isMap(v) && (isMap(v.labels) || isMap(v.pods))) {
    const long = sub(LongNamespace, v, ctx);
    const pods = Object.fromEntries(Object.entries(long?.pods ?? {}).map(([k, l]) => [k, l ?? {}]));
    return { labels: long?.labels ?? {}, pods };
  }
  return { labels: sub(Labels.nullable(), v, ctx) ?? {}, pods: null };
});

const PortEntrySchema = z.unknown().transform((v, ctx): ServedPort[] => {
  if (typeof v === 'number') {
    const port = sub(PortNumber, v, ctx);
    return port === undefined ? [] : PROTOCOLS.map((protocol) => ({ port, protocol, name: defaultPortName(port, protocol) }));
  }
  if (!isMap(v)) {
    ctx.addIssue({ code: 'custom', message: 'a port is a number or {port, protocol, name}' });
    return [];
  }
  const p = sub(PortObject, v, ctx);
  return p ? [{ port: p.port, protocol: p.protocol, name: p.name ?? defaultPortName(p.port, p.protocol) }] : [];
});

const RawClusterSchema = z
  .object({
    nodes: z.number().int().min(1).max(16).default(2),
    namespaces: z.record(Name, NamespaceValueSchema).default({ x: {}, y: {}, z: {} }),
    pods: z.array(Name).min(1).default(['a', 'b', 'c']),
    ports: z.array(PortEntrySchema).min(1).default([80, 81]),
  })
  .strict();

export const ClusterSchema = RawClusterSchema.default({}).transform((raw, ctx): ClusterSpec => {
  const namespaces = Object.entries(raw.namespaces).map(([name, v]) => ({ name, labels: v.labels }));
  const pods = Object.entries(raw.namespaces).flatMap(([ns, v]) =>
    v.pods === null
      ? raw.pods.map((p) => ({ id: `${ns}/${p}`, namespace: ns, name: p, labels: { pod: p } }))
      : Object.entries(v.pods).map(([p, labels]) => ({ id: `${ns}/${p}`, namespace: ns, name: p, labels })),
  );
  const dupPods = raw.pods.filter((p, i) => raw.pods.indexOf(p) !== i);
  if (dupPods.length > 0) ctx.addIssue({ code: 'custom', path: ['pods'], message: `pod ${dupPods[0]} is listed twice` });
  const ports = raw.ports.flat();
  checkPorts(raw.ports, ctx);
  return { nodes: raw.nodes, namespaces, pods, ports };
});

/** No (port, protocol) twice, no container port name twice, default names that Kubernetes accepts. */
function checkPorts(entries: ServedPort[][], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  const names = new Map<string, number>();
  entries.forEach((served, i) => {
    for (const p of served) {
      const key = `${p.port}/${p.protocol}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['ports', i], message: `${key} is already served by ports.${seen.get(key)}` });
      else seen.set(key, i);
      if (names.has(p.name) && names.get(p.name) !== i) ctx.addIssue({ code: 'custom', path: ['ports', i], message: `container port name ${p.name} is already used by ports.${names.get(p.name)}` });
      else names.set(p.name, i);
      if (p.name.length > 15) ctx.addIssue({ code: 'custom', path: ['ports', i], message: `the container port name ${p.name} is longer than 15 characters; serve this port as {port, protocol, name}` });
    }
  });
}

/** Whether the pods serve this port on this protocol. */
export function serves(c: ClusterSpec, port: number, protocol: Protocol): boolean {
  return c.ports.some((p) => p.port === port && p.protocol === protocol);
}
