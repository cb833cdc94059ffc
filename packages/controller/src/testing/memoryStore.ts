/** An in-memory ReconcilerStore with etcd's revision semantics, for unit tests. */
import type { PutOptions, Revision, Schema, SyncUpdate, WriteResult } from '@palisade/datastore';
import type { BatchWrite, ReconcilerStore } from '../reconciler.js';

export interface StoredEntry {
  value: string;
  modRevision: number;
  createRevision: number;
}

export class MemoryStore implements ReconcilerStore {
  readonly data = new Map<string, StoredEntry>();
  readonly writes: { op: 'put' | 'delete'; key: string; expect: string | undefined; ok: boolean }[] = [];
  revision = 1;
  /** Calls that fail before succeeding again. */
  failures = 0;
  listCalls = 0;

  private check(): void {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('etcd unavailable (fake)');
    }
  }

  /** A write from someone else (another controller, an operator). */
  external(key: string, value: string | null): void {
    if (value === null) this.data.delete(key);
    else {
      const rev = ++this.revision;
      this.data.set(key, { value, modRevision: rev, createRevision: this.data.get(key)?.createRevision ?? rev });
    }
  }

  listRaw(prefix: string): Promise<{ items: SyncUpdate[]; revision: Revision }> {
    this.check();
    this.listCalls++;
    const items = [...this.data.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, e]) => ({ key, value: e.value, modRevision: String(e.modRevision) }));
    return Promise.resolve({ items, revision: String(this.revision) });
  }

  getRaw(key: string): Promise<{ value: string; modRevision: Revision } | null> {
    this.check();
    const e = this.data.get(key);
    return Promise.resolve(e ? { value: e.value, modRevision: String(e.modRevision) } : null);
  }

  put<T>(key: string, schema: Schema<T>, value: T, opts: PutOptions): Promise<WriteResult> {
    this.check();
    const text = JSON.stringify(schema.parse(value), null, 2);
    const current = this.data.get(key);
    const ok = opts.expectModRevision === undefined || opts.expectModRevision === String(current?.modRevision ?? 0);
    this.writes.push({ op: 'put', key, expect: opts.expectModRevision, ok });
    if (ok) this.external(key, text);
    return Promise.resolve({ succeeded: ok, revision: String(this.revision) });
  }

  batches = 0;
  /** Largest transaction seen, in bytes of keys and values. */
  maxBatchBytes = 0;
  /** Present unless constructed with `{ batches: false }`. */
  writeBatch?: (writes: BatchWrite[]) => Promise<WriteResult>;

  constructor(opts: { batches?: boolean } = {}) {
    if (opts.batches ?? true) this.writeBatch = (writes) => this.commitBatch(writes);
  }

  /** All-or-nothing, like an etcd transaction with one compare per key. */
  private commitBatch(writes: BatchWrite[]): Promise<WriteResult> {
    this.check();
    this.batches++;
    const ok = writes.every((w) => w.expectModRevision === String(this.data.get(w.key)?.modRevision ?? 0));
    if (!ok) return Promise.resolve({ succeeded: false, revision: String(this.revision) });
    const rev = ++this.revision;
    let bytes = 0;
    for (const w of writes) {
      this.writes.push({ op: w.put ? 'put' : 'delete', key: w.key, expect: w.expectModRevision, ok: true });
      if (!w.put) this.data.delete(w.key);
      else {
        const text = JSON.stringify(w.put.schema.parse(w.put.value), null, 2);
        bytes += w.key.length + text.length;
        this.data.set(w.key, { value: text, modRevision: rev, createRevision: this.data.get(w.key)?.createRevision ?? rev });
      }
    }
    this.maxBatchBytes = Math.max(this.maxBatchBytes, bytes);
    return Promise.resolve({ succeeded: true, revision: String(rev) });
  }

  delete(key: string, opts: { expectModRevision?: Revision }): Promise<WriteResult> {
    this.check();
    const current = this.data.get(key);
    const ok = opts.expectModRevision === undefined || opts.expectModRevision === String(current?.modRevision ?? 0);
    this.writes.push({ op: 'delete', key, expect: opts.expectModRevision, ok });
    if (ok && current) this.data.delete(key);
    if (ok) this.revision++;
    return Promise.resolve({ succeeded: ok, revision: String(this.revision) });
  }
}
