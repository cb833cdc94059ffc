/**
 * Decoding and encoding of the values stored in etcd. Every read goes through
 * `decodeStoredValue`, which never throws: a bad value becomes a result naming the
 * key and the field, so callers can report it and contain it (never widen access).
 *
 * Reading is tolerant of fields this version does not know; writing is strict. The
 * model is versioned by `apiVersion`: within one version a newer writer may add fields
 * that older readers ignore (a rolling upgrade runs controller N+1 with agents N), so a
 * field whose absence would widen access must come with a new apiVersion, which older
 * readers reject and contain. Ignored fields are listed in `ignored`.
 */
import type { z } from 'zod';
import { PalisadeError } from './errors.js';
import { parseKey } from './keys.js';
import type { ParsedKey } from './keys.js';
import { AgentStatusSchema, LastDeleteSchema, LeaderSchema } from './schema/agentStatus.js';
import type { AgentStatus, LastDelete, Leader } from './schema/agentStatus.js';
import { ClusterPolicySchema } from './schema/clusterPolicy.js';
import type { ClusterPolicy } from './schema/clusterPolicy.js';
import { EndpointSchema } from './schema/endpoint.js';
import type { Endpoint } from './schema/endpoint.js';
import { NamespaceSchema } from './schema/namespace.js';
import type { Namespace } from './schema/namespace.js';
import { PolicySchema } from './schema/policy.js';
import type { Policy } from './schema/policy.js';

type KeyOf<K extends ParsedKey['kind']> = Extract<ParsedKey, { kind: K }>;

/**
 * A successfully decoded value. `kind` repeats `parsed.kind` at the top level so that
 * checking it narrows both `parsed` and `value` (TypeScript does not narrow on a
 * nested discriminant).
 */
export type DecodedValue =
  | { ok: true; kind: 'policy'; key: string; parsed: KeyOf<'policy'>; value: Policy }
  | {
      ok: true;
      kind: 'clusterPolicy';
      key: string;
      parsed: KeyOf<'clusterPolicy'>;
      value: ClusterPolicy;
    }
  | { ok: true; kind: 'namespace'; key: string; parsed: KeyOf<'namespace'>; value: Namespace }
  | { ok: true; kind: 'endpoint'; key: string; parsed: KeyOf<'endpoint'>; value: Endpoint }
  | { ok: true; kind: 'agent'; key: string; parsed: KeyOf<'agent'>; value: AgentStatus }
  | { ok: true; kind: 'leader'; key: string; parsed: KeyOf<'leader'>; value: Leader }
  | { ok: true; kind: 'lastDelete'; key: string; parsed: KeyOf<'lastDelete'>; value: LastDelete };

/** A decoded value and the unknown fields that were ignored to read it. */
export type DecodedWithIgnored = DecodedValue & { ignored: readonly string[] };

export interface DecodeFailure {
  ok: false;
  key: string;
  /** What is wrong, naming the field path (`spec.ingress[0].ports[1].endPort: …`). */
  error: string;
}

export type DecodeResult = DecodedWithIgnored | DecodeFailure;

const SCHEMAS = {
  policy: { schema: PolicySchema, kind: 'Policy' },
  clusterPolicy: { schema: ClusterPolicySchema, kind: 'ClusterPolicy' },
  namespace: { schema: NamespaceSchema, kind: 'Namespace' },
  endpoint: { schema: EndpointSchema, kind: 'Endpoint' },
  agent: { schema: AgentStatusSchema, kind: 'AgentStatus' },
  leader: { schema: LeaderSchema, kind: 'Leader' },
  lastDelete: { schema: LastDeleteSchema, kind: 'LastDelete' },
} as const;

/** `spec.ingress[0].ports[1].endPort` */
export function formatZodPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'value';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * A union reports one error per branch; the branch with the fewest issues is the one
 * the value was meant to be (a peer with `selector` is a selector peer), so only its
 * issues are shown.
 */
function flattenIssues(issues: readonly z.ZodIssue[]): z.ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.unionErrors.length === 0) return [issue];
    const branches = issue.unionErrors.map((e) => flattenIssues(e.issues));
    const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
    return best.length > 0 ? best : [issue];
  });
}

/** One line per problem, each `path: message`, joined with '; '. */
export function formatZodError(err: z.ZodError): string {
  return flattenIssues(err.issues)
    .map((issue) => `${formatZodPath(issue.path)}: ${issue.message}`)
    .join('; ');
}

function metadataMismatch(parsed: ParsedKey, value: DecodedValue['value']): string | null {
  const expect = (field: string, actual: string, wanted: string): string | null =>
    actual === wanted
      ? null
      : `${field}: ${JSON.stringify(actual)} does not match the key (${JSON.stringify(wanted)})`;
  switch (parsed.kind) {
    case 'policy': {
      const v = value as Policy;
      return (
        expect('metadata.namespace', v.metadata.namespace, parsed.namespace) ??
        expect('metadata.name', v.metadata.name, parsed.name)
      );
    }
    case 'clusterPolicy':
      return expect('metadata.name', (value as ClusterPolicy).metadata.name, parsed.name);
    case 'namespace':
      return expect('metadata.name', (value as Namespace).metadata.name, parsed.name);
    case 'endpoint': {
      const v = value as Endpoint;
      return (
        expect('metadata.namespace', v.metadata.namespace, parsed.namespace) ??
        expect('metadata.name', v.metadata.name, parsed.name) ??
        expect('spec.node', v.spec.node, parsed.node)
      );
    }
    case 'agent':
      return expect('metadata.name', (value as AgentStatus).metadata.name, parsed.node);
    case 'leader':
    case 'lastDelete':
      return null;
  }
}

function kindOf(json: unknown): unknown {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as { kind?: unknown }).kind
    : undefined;
}

/**
 * Removes the fields the schema reports as unrecognized (at any depth), returning
 * their paths, or null when some other problem remains (then the value stays invalid).
 */
function stripUnknown(json: unknown, issues: readonly z.ZodIssue[]): string[] | null {
  const flat = flattenIssues(issues);
  if (flat.length === 0 || flat.some((i) => i.code !== 'unrecognized_keys')) return null;
  const removed: string[] = [];
  for (const issue of flat) {
    if (issue.code !== 'unrecognized_keys') continue;
    let node: unknown = json;
    for (const step of issue.path) node = (node as Record<string | number, unknown>)[step];
    if (typeof node !== 'object' || node === null) return null;
    for (const k of issue.keys) {
      delete (node as Record<string, unknown>)[k];
      removed.push(formatZodPath([...issue.path, k]));
    }
  }
  return removed;
}

/** Strict parse, then (for unknown fields only) parse again without them. */
function parseTolerant(
  schema: z.ZodTypeAny,
  json: unknown,
): { ok: true; data: unknown; ignored: string[] } | { ok: false; error: string } {
  const ignored: string[] = [];
  // Each pass removes every unknown field zod reported; nested ones can surface
  // only after their parent parses, so allow a few passes.
  for (let pass = 0; pass < 4; pass++) {
    const result = schema.safeParse(json);
    if (result.success) return { ok: true, data: result.data, ignored };
    const removed = stripUnknown(json, result.error.issues);
    if (removed === null || removed.length === 0)
      return { ok: false, error: formatZodError(result.error) };
    ignored.push(...removed);
  }
  const last = schema.safeParse(json);
  return last.success
    ? { ok: true, data: last.data, ignored }
    : { ok: false, error: formatZodError(last.error) };
}

/** Parses the key, the JSON and the schema, and checks the value's metadata against the key. */
export function decodeStoredValue(key: string, raw: string): DecodeResult {
  const fail = (error: string): DecodeFailure => ({ ok: false, key, error });
  const parsed = parseKey(key);
  if (parsed === null) return fail('not a well-formed Palisade key');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return fail(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { schema, kind } = SCHEMAS[parsed.kind];
  const actualKind = kindOf(json);
  if (actualKind !== kind)
    return fail(
      `kind: expected ${JSON.stringify(kind)} under a ${parsed.kind} key, found ${JSON.stringify(actualKind) ?? 'none'}`,
    );
  const result = parseTolerant(schema, json);
  if (!result.ok) return fail(result.error);
  const value = result.data as DecodedValue['value'];
  const mismatch = metadataMismatch(parsed, value);
  if (mismatch !== null) return fail(mismatch);
  return {
    ok: true,
    kind: parsed.kind,
    key,
    parsed,
    value,
    ignored: result.ignored,
  } as DecodedWithIgnored;
}

/** Recursively sorts object keys, so record fields (labels) encode in a stable order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

/**
 * Validates `value` and returns the text to store: 2-space indented JSON (readable in
 * `etcdctl get`), defaults filled in. Schema fields keep the schema's order and record
 * entries are sorted, so equal values always encode to identical text.
 * Throws PalisadeError('INVALID_VALUE') naming the field.
 */
export function encodeValue<S extends z.ZodTypeAny>(schema: S, value: z.input<S>): string {
  const result = schema.safeParse(sortKeys(value));
  if (!result.success)
    throw new PalisadeError(
      'INVALID_VALUE',
      `refusing to encode an invalid value: ${formatZodError(result.error)}`,
      {
        fields: { issues: formatZodError(result.error) },
      },
    );
  return JSON.stringify(result.data, null, 2);
}
