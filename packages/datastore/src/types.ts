/**
 * The public contract of @palisade/datastore. Implementations live in client.ts,
 * syncer.ts, writer.ts and election.ts; other packages use only what index.ts exports.
 */
import type { z } from 'zod';

export interface EtcdConnectionOptions {
  /** e.g. ['http://127.0.0.1:2379'] */
  endpoints: string[];
  /** Paths to PEM files. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  /**
   * A file holding the password (a mounted Secret); read when the client is built, with
   * one trailing newline dropped. Used when `password` is not given.
   */
  passwordFile?: string;
  /** Per-call timeout; default 5000 ms. */
  requestTimeoutMs?: number;
}

/** etcd revisions are int64; they travel as decimal strings. */
export type Revision = string;

export interface StoredValue<T> {
  key: string;
  value: T;
  modRevision: Revision;
  createRevision: Revision;
}

export interface InvalidValue {
  key: string;
  /** Human-readable: names the field that failed. */
  error: string;
}

export interface ListResult<T> {
  items: StoredValue<T>[];
  invalid: InvalidValue[];
  /** The store revision the list was read at. */
  revision: Revision;
}

export interface PutOptions {
  /** Compare-and-swap: '0' means "must not exist"; otherwise the key's current mod revision. */
  expectModRevision?: Revision;
  /** Attach to a lease (id as decimal string). */
  leaseId?: string;
}

export interface WriteResult {
  /** false when the compare-and-swap failed (someone else wrote first). */
  succeeded: boolean;
  revision: Revision;
}

/** One change seen by the syncer. `value` is the raw stored text, null on delete. */
export interface SyncUpdate {
  key: string;
  value: string | null;
  modRevision: Revision;
}

export type SyncStatus = 'wait-for-ready' | 'resync' | 'in-sync';

export interface SyncerCallbacks {
  /**
   * A batch of updates, in revision order. After a resync (compaction, reconnect) the
   * batch brings the consumer's view to exactly etcd's content: it contains deletions
   * for keys that vanished while the watch was down.
   */
  onUpdates(updates: SyncUpdate[], revision: Revision): void;
  onStatus(status: SyncStatus): void;
}

export type Schema<T> = z.ZodType<T, z.ZodTypeDef, unknown>;
