/**
 * CasWriter: writes a reconciler's planned keys to etcd, each with compare-and-swap on
 * the mod revision the reconciler last saw ('0' to create).
 *
 * Keys go in transactions of up to `batchSize` (when the store supports writeBatch;
 * etcd allows 128 operations per transaction by default), each also kept under
 * MAX_BATCH_BYTES because etcd refuses requests over 1.5 MiB by default; a few
 * transactions run at once. A transaction with a lost CAS is retried key
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

/**
 * Cuts `plan` into transactions of at most `batchSize` keys and MAX_BATCH_BYTES, one at
 * a time as writers ask for them: sizing a batch serialises its values, and doing that
 * for 100k keys up front was one long block of the event loop.
 */
export class BatchCursor {
  private next = 0;

  constructor(
    private readonly plan: readonly PlannedWrite[],
    private readonly batchSize: number,
  ) {}

  take(): PlannedWrite[] | null {
    if (this.next >= this.plan.length) return null;
    const batch: PlannedWrite[] = [];
    let bytes = 0;
    while (this.next < this.plan.length && batch.length < this.batchSize) {
      const w = this.plan[this.next] as PlannedWrite;
      const size =
        this.batchSize > 1 && w.put ? JSON.stringify(w.put.value).length * 2 + w.key.length : w.key.length;
      if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      batch.push(w);
      bytes += size;
      this.next++;
    }
    return batch;
  }
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
    const cursor = new BatchCursor(plan, batchSize);
    let writes = 0;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      for (let batch = cursor.take(); batch !== null; batch = cursor.take()) {
        if (failure !== null || !this.opts.mayWrite()) {
          for (const w of batch) this.opts.requeue(w.key);
          continue;
        }
        try {
          // Not `writes += await …`: that reads `writes` before the await, and the
          // workers' sums overwrote one another.
          const n = await this.applyBatch(batch);
          writes += n;
        } catch (err) {
          for (const w of batch) this.opts.requeue(w.key);
          failure ??= err;
        }
      }
    };
    const parallel = batchSize > 1 ? batchConcurrency : concurrency;
    await Promise.all(Array.from({ length: Math.min(parallel, plan.length) }, worker));
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
    // winston formats a debug line even when the level drops it: at 100k keys that cost
    // half a second, so ask first.
    if (this.opts.logger.isDebugEnabled()) this.opts.logger.debug('wrote key', { key: w.key, op: w.op });
  }
}
