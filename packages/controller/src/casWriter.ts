/**
 * CasWriter: writes a reconciler's planned keys to etcd, each with compare-and-swap on
 * the mod revision the reconciler last saw ('0' to create).
 *
 * Keys go in transactions of up to `batchSize` (when the store supports writeBatch),
 * each also kept under MAX_BATCH_BYTES because etcd refuses requests over 1.5 MiB by
 * default; a few transactions run at once. A transaction with a lost CAS is retried key
 * by key, so only the keys that really changed under us are re-read (and re-queued).
 * After a write succeeds the cached actual state takes the written value and revision,
 * so the next comparison needs no re-read. On an etcd error, or once writing must stop
 * (deposed, stopped), every unwritten key is handed back through `requeue`, so no
 * pending change is lost.
 */
import { errorMessage, type Logger } from '@palisade/common';
import type { Revision } from '@palisade/datastore';
import type { ControllerMetrics, WriteOp } from './metrics.js';
import { kindOfKey, parseStored, type BatchWrite, type ObjectKind, type ReconcilerStore } from './reconcilerStore.js';

export interface PlannedWrite extends BatchWrite {
  kind: ObjectKind;
  op: WriteOp;
}

/** What etcd holds at a key, as the reconciler last saw it. */
export interface Actual {
  modRevision: Revision;
  value: unknown;
}

/** etcd rejects requests over 1.5 MiB by default: keep each transaction well below. */
const MAX_BATCH_BYTES = 512 * 1024;

export function splitBatches(plan: PlannedWrite[], batchSize: number): PlannedWrite[][] {
  const batches: PlannedWrite[][] = [];
  let current: PlannedWrite[] = [];
  let bytes = 0;
  for (const w of plan) {
    const size =
      batchSize > 1 && w.put ? JSON.stringify(w.put.value).length * 2 + w.key.length : w.key.length;
    if (current.length > 0 && (current.length >= batchSize || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(w);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface CasWriterOptions {
  store: ReconcilerStore;
  /** The reconciler's cache of etcd, updated after every write and re-read. */
  actual: Map<string, Actual>;
  logger: Logger;
  metrics: ControllerMetrics | undefined;
  /** Single-key writes in flight at once (stores without writeBatch). */
  concurrency: number;
  /** Keys per transaction when the store supports writeBatch. */
  batchSize: number;
  /** Transactions in flight at once. */
  batchConcurrency: number;
  /** False once writing must stop (deposed, stopped): the rest is requeued. */
  mayWrite(): boolean;
  /** A key that is still to be written (not attempted, failed, or lost its CAS). */
  requeue(key: string): void;
}

export class CasWriter {
  constructor(private readonly opts: CasWriterOptions) {}

  /** Writes `plan`; returns the number of writes. Throws the first etcd error (after requeueing). */
  async write(plan: PlannedWrite[]): Promise<number> {
    const { store, batchSize: size, batchConcurrency, concurrency } = this.opts;
    const batchSize = store.writeBatch ? size : 1;
    const batches = splitBatches(plan, batchSize);
    let next = 0;
    let writes = 0;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++] as PlannedWrite[];
        if (failure !== null || !this.opts.mayWrite()) {
          for (const w of batch) this.opts.requeue(w.key);
          continue;
        }
        try {
          writes += await this.applyBatch(batch);
        } catch (err) {
          for (const w of batch) this.opts.requeue(w.key);
          failure ??= err;
        }
      }
    };
    const parallel = batchSize > 1 ? batchConcurrency : concurrency;
    await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker));
    if (failure !== null)
      throw failure instanceof Error ? failure : new Error(errorMessage(failure));
    return writes;
  }

  private async applyBatch(batch: PlannedWrite[]): Promise<number> {
    const { store } = this.opts;
    if (batch.length > 1 && store.writeBatch) {
      const res = await store.writeBatch(batch);
      if (res.succeeded) {
        for (const w of batch) this.applied(w, res.revision);
        return batch.length;
      }
      // Some key changed under us: find which, one by one.
    }
    let n = 0;
    for (const w of batch) if (await this.applyOne(w)) n++;
    return n;
  }

  private async applyOne(w: PlannedWrite): Promise<boolean> {
    const { store, actual } = this.opts;
    const res = w.put
      ? await store.put(w.key, w.put.schema, w.put.value, {
          expectModRevision: w.expectModRevision,
        })
      : await store.delete(w.key, { expectModRevision: w.expectModRevision });
    if (res.succeeded) {
      this.applied(w, res.revision);
      return true;
    }
    // Someone else wrote the key since we last looked: re-read it and try again.
    this.opts.metrics?.errors.inc({ kind: 'conflict' });
    this.opts.logger.debug('compare-and-swap lost, re-reading', { key: w.key });
    const current = await store.getRaw(w.key);
    if (current)
      actual.set(w.key, {
        modRevision: current.modRevision,
        value: parseStored(kindOfKey(w.key), current.value),
      });
    else actual.delete(w.key);
    this.opts.requeue(w.key);
    return false;
  }

  private applied(w: PlannedWrite, revision: Revision): void {
    if (w.put) this.opts.actual.set(w.key, { modRevision: revision, value: w.put.value });
    else this.opts.actual.delete(w.key);
    this.opts.metrics?.etcdWrites.inc({ kind: w.kind, op: w.op });
    this.opts.logger.debug('wrote key', { key: w.key, op: w.op });
  }
}
