/**
 * What the reconciler needs from etcd (EtcdClient via etcdStore(), or an in-memory
 * fake in unit tests), and how it recognises and parses the keys it owns.
 */
import type { PutOptions, Revision, Schema, SyncUpdate, WriteResult } from '@palisade/datastore';
import {
  CLUSTER_POLICY_PREFIX,
  ClusterPolicySchema,
  ENDPOINT_PREFIX,
  EndpointSchema,
  NAMESPACE_PREFIX,
  NamespaceSchema,
  POLICY_PREFIX,
  PolicySchema,
} from '@palisade/model';

export type ObjectKind = 'policy' | 'namespace' | 'endpoint' | 'clusterPolicy';
export const OBJECT_KINDS: readonly ObjectKind[] = ['policy', 'namespace', 'endpoint', 'clusterPolicy'];

/** The subset of EtcdClient the reconciler uses (an in-memory fake in unit tests). */
export interface ReconcilerStore {
  listRaw(prefix: string): Promise<{ items: SyncUpdate[]; revision: Revision }>;
  getRaw(key: string): Promise<{ value: string; modRevision: Revision } | null>;
  put<T>(key: string, schema: Schema<T>, value: T, opts: PutOptions): Promise<WriteResult>;
  delete(key: string, opts: { expectModRevision?: Revision }): Promise<WriteResult>;
  /** Optional: all writes in one transaction, applied only if every CAS holds. */
  writeBatch?(writes: BatchWrite[]): Promise<WriteResult>;
}

/** One key of a batch: a put when `put` is set, else a delete; CAS on expectModRevision ('0' = absent). */
export interface BatchWrite {
  key: string;
  expectModRevision: Revision;
  put?: { schema: Schema<unknown>; value: unknown };
}

export const PREFIXES: Record<ObjectKind, string> = {
  policy: POLICY_PREFIX,
  namespace: NAMESPACE_PREFIX,
  endpoint: ENDPOINT_PREFIX,
  clusterPolicy: CLUSTER_POLICY_PREFIX,
};
export const SCHEMAS: Record<ObjectKind, Schema<unknown>> = {
  policy: PolicySchema,
  namespace: NamespaceSchema,
  endpoint: EndpointSchema,
  clusterPolicy: ClusterPolicySchema,
};
/** Marks a stored value that does not parse: never equal to anything desired. */
export const INVALID = Symbol('invalid');

export function kindOfKey(key: string): ObjectKind | null {
  for (const [kind, prefix] of Object.entries(PREFIXES)) if (key.startsWith(prefix)) return kind as ObjectKind;
  return null;
}

export function parseStored(kind: ObjectKind | null, text: string | null): unknown {
  if (kind === null || text === null) return INVALID;
  try {
    const parsed = SCHEMAS[kind].safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : INVALID;
  } catch {
    return INVALID;
  }
}
