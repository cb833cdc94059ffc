/**
 * Reconciler: the only writer of the controller's part of etcd.
 *
 * It holds the desired state (key → model object, fed from the translators) and a
 * cache of what etcd holds (key → mod revision and parsed value). Changes mark keys
 * dirty; a single worker flushes dirty keys after a short coalescing delay, so a burst
 * of informer events becomes one pass. For each key it compares semantically (parsed
 * values, not text) and writes only what differs (through its CasWriter), always with
 * compare-and-swap on the mod revision it last saw ('0' to create), so it never
 * overwrites a write it has not seen. A lost CAS re-reads the key and retries. An etcd error keeps the key dirty and
 * retries with backoff after a fresh full list, so no pending change is lost.
 *
 * Guarantees, and why in this order:
 * - Nothing is written before the desired state is complete (informers synced) and
 *   this process leads: otherwise a half-listed cluster would delete live objects.
 *   Completeness is per kind: keys of a kind whose source has not listed yet (the
 *   ClusterNetworkPolicy informer on a cluster that refuses it, say) are neither
 *   written nor deleted, while the other kinds are reconciled as usual.
 * - A full reconcile (list every prefix, compare every key) runs whenever it
 *   gains leadership, after errors, and periodically; it also deletes keys under the
 *   controller's prefixes that are no longer desired (or are malformed).
 * - A key that only changes is updated in place, never deleted and recreated.
 */
import { Backoff, silentLogger, sleep, type Logger } from '@palisade/common';
import { logEtcdFailure } from '@palisade/datastore';
import { isDeepStrictEqual } from 'node:util';
import { CasWriter, type Actual, type PlannedWrite } from './casWriter.js';
import type { ControllerMetrics } from './metrics.js';
import { TimeSlice } from './timeSlice.js';
import {
  OBJECT_KINDS,
  PREFIXES,
  SCHEMAS,
  kindOfKey,
  parseStored,
  type ObjectKind,
  type ReconcilerStore,
} from './reconcilerStore.js';

export {
  OBJECT_KINDS,
  kindOfKey,
  type BatchWrite,
  type ObjectKind,
  type ReconcilerStore,
} from './reconcilerStore.js';

export interface ReconcilerOptions {
  store: ReconcilerStore;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Full reconcile period; default 60 000 ms. */
  resyncIntervalMs?: number;
  /** Delay that coalesces a burst of changes into one flush; default 2 ms. */
  coalesceMs?: number;
  /** Single-key writes in flight at once (stores without writeBatch); default 64. */
  concurrency?: number;
  /** Keys per transaction when the store supports writeBatch; default 100 (etcd allows 128 ops). */
  batchSize?: number;
  /** Transactions in flight at once; default 4. */
  batchConcurrency?: number;
  backoff?: { initialMs: number; maxMs: number };
}

interface Desired {
  kind: ObjectKind;
  value: unknown;
}

export class Reconciler {
  private readonly store: ReconcilerStore;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly resyncIntervalMs: number;
  private readonly coalesceMs: number;
  private readonly writer: CasWriter;
  private readonly backoff: Backoff;
  private readonly desired = new Map<string, Desired>();
  private readonly actual = new Map<string, Actual>();
  private readonly dirty = new Set<string>();
  /** Flushes in progress (their keys are no longer in `dirty`). */
  private flushing = 0;
  private leader = false;
  private readonly complete = new Set<ObjectKind>();
  /** The kinds that were complete when the last successful full reconcile compared them. */
  private reconciledKinds = new Set<ObjectKind>();
  private needFullReconcile = true;
  private firstReconcileDone = false;
  private stopped = false;
  private worker: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();

  constructor(opts: ReconcilerOptions) {
    this.store = opts.store;
    this.logger = (opts.logger ?? silentLogger()).child({ component: 'reconciler' });
    this.metrics = opts.metrics;
    this.resyncIntervalMs = opts.resyncIntervalMs ?? 60_000;
    this.coalesceMs = opts.coalesceMs ?? 2;
    this.writer = new CasWriter({
      store: this.store,
      actual: this.actual,
      logger: this.logger,
      metrics: this.metrics,
      concurrency: opts.concurrency ?? 64,
      batchSize: opts.batchSize ?? 100,
      batchConcurrency: opts.batchConcurrency ?? 4,
      mayWrite: () => this.leader && !this.stopped,
      requeue: (key) => this.markDirty(key),
    });
    this.backoff = new Backoff({ ...(opts.backoff ?? { initialMs: 200, maxMs: 5000 }) });
  }

  /** Sets (value) or clears (null) the desired object at `key`. */
  set(key: string, kind: ObjectKind, value: unknown): void {
    const before = this.desired.get(key);
    if (value === null) {
      if (!before) return;
      this.desired.delete(key);
      this.metrics?.desiredObjects.dec({ kind });
    } else {
      if (before && isDeepStrictEqual(before.value, value)) return;
      this.desired.set(key, { kind, value });
      if (!before) this.metrics?.desiredObjects.inc({ kind });
    }
    this.markDirty(key);
  }

  get(key: string): unknown {
    return this.desired.get(key)?.value ?? null;
  }

  /**
   * Call once the informers feeding `kinds` (default: every kind) have listed: until
   * then keys of those kinds are neither written nor deleted.
   */
  setDesiredComplete(kinds: readonly ObjectKind[] = OBJECT_KINDS): void {
    const added = kinds.filter((k) => !this.complete.has(k));
    if (added.length === 0) return;
    const wasRunning = this.complete.size > 0;
    for (const k of added) this.complete.add(k);
    // Keys of the new kinds were skipped so far: compare them all.
    if (wasRunning) this.resync();
    this.maybeStart();
  }

  setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.metrics?.isLeader.set(leader ? 1 : 0);
    if (leader) {
      // What we cached may be stale: another controller wrote while we stood by.
      this.needFullReconcile = true;
      this.maybeStart();
    } else {
      this.firstReconcileDone = false;
      this.reconciledKinds = new Set();
      this.poke();
    }
  }

  isLeader(): boolean {
    return this.leader;
  }

  /**
   * Ready to serve: not leading, or leading and a full reconcile has compared every
   * kind whose source has listed (one that ran while only some kinds were complete
   * does not count for the others).
   */
  ready(): boolean {
    if (!this.leader) return true;
    if (!this.firstReconcileDone) return false;
    for (const k of this.complete) if (!this.reconciledKinds.has(k)) return false;
    return true;
  }

  /** Keys waiting to be written (for metrics and tests). */
  pending(): number {
    return this.dirty.size;
  }

  /**
   * Resolves once nothing is dirty or being written and a full reconcile completed
   * (tests, benchmarks). A flush empties `dirty` before its writes land, so the
   * writes in flight count too.
   */
  async idle(pollMs = 5): Promise<void> {
    while (
      this.dirty.size > 0 ||
      this.flushing > 0 ||
      this.needFullReconcile ||
      !this.firstReconcileDone
    )
      await sleep(pollMs);
  }

  /** Requests a full reconcile now (also done every resync interval). */
  resync(): void {
    this.needFullReconcile = true;
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.poke();
    await this.worker;
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    this.metrics?.queueDepth.set(this.dirty.size);
    if (this.wakeTimer === null && this.wake !== null)
      this.wakeTimer = setTimeout(() => {
        this.wakeTimer = null;
        this.poke();
      }, this.coalesceMs);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private maybeStart(): void {
    if (this.worker || this.stopped || !this.leader || this.complete.size === 0) return;
    this.resyncTimer ??= setInterval(() => this.resync(), this.resyncIntervalMs);
    this.resyncTimer.unref();
    this.worker = this.run().finally(() => {
      this.worker = null;
      // Leadership may have come back while the worker was winding down.
      this.maybeStart();
    });
  }

  private async run(): Promise<void> {
    this.logger.info('reconciler started');
    while (!this.stopped && this.leader) {
      try {
        if (this.needFullReconcile) await this.fullReconcile();
        else if (this.dirty.size > 0) await this.flush();
        else {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        this.backoff.reset();
      } catch (err) {
        this.needFullReconcile = true;
        this.metrics?.errors.inc({ kind: 'etcd' });
        const retryInMs = this.backoff.next();
        logEtcdFailure(this.logger, 'etcd error, will retry', err, {
          retryInMs,
          pending: this.dirty.size,
        });
        await sleep(retryInMs, this.abort.signal);
      }
    }
    this.logger.info('reconciler stopped', { leader: this.leader });
  }

  private async fullReconcile(): Promise<void> {
    const started = performance.now();
    const lists = await Promise.all(
      (Object.keys(PREFIXES) as ObjectKind[]).map(async (kind) => ({
        kind,
        items: (await this.store.listRaw(PREFIXES[kind])).items,
      })),
    );
    this.needFullReconcile = false;
    const kinds = new Set(this.complete);
    const known = new Map(this.actual);
    this.actual.clear();
    const slice = new TimeSlice();
    for (const { kind, items } of lists)
      for (const item of items) {
        if (slice.due()) await slice.yield();
        // A key's mod revision names one stored value: one already parsed (or written by
        // us) at that revision is reused. At 100k keys, parsing every value again on each
        // periodic reconcile was the controller's largest CPU cost, and it also made the
        // deep comparison in plan() start from new objects every time.
        const had = known.get(item.key);
        this.actual.set(item.key, {
          modRevision: item.modRevision,
          value:
            had?.modRevision === item.modRevision ? had.value : parseStored(kind, item.value),
        });
      }
    for (const key of this.actual.keys()) this.dirty.add(key);
    for (const key of this.desired.keys()) this.dirty.add(key);
    const writes = await this.flush();
    const durationMs = Math.round(performance.now() - started);
    this.metrics?.reconcileDuration.observe(durationMs / 1000);
    const newKinds = [...kinds].some((k) => !this.reconciledKinds.has(k));
    if (!this.firstReconcileDone || writes > 0 || newKinds)
      this.logger.info('full reconcile done', {
        durationMs,
        writes,
        keys: this.desired.size,
        kinds: OBJECT_KINDS.filter((k) => kinds.has(k)),
      });
    this.firstReconcileDone = true;
    this.reconciledKinds = kinds;
  }

  /**
   * Writes every dirty key that differs, in transactions of up to `batchSize` keys
   * (one compare-and-swap per key; a batch with a lost CAS is retried key by key).
   * Returns the number of writes. Throws on etcd errors, with unwritten keys dirty again.
   */
  private async flush(): Promise<number> {
    this.flushing++;
    try {
      return await this.flushDirty();
    } finally {
      this.flushing--;
    }
  }

  private async flushDirty(): Promise<number> {
    const keys = [...this.dirty];
    this.dirty.clear();
    const plan: PlannedWrite[] = [];
    const slice = new TimeSlice();
    for (const key of keys) {
      // Comparing 100k keys (deep equality) takes seconds: give the event loop turns.
      if (slice.due()) await slice.yield();
      const w = this.plan(key);
      if (w) plan.push(w);
    }
    try {
      return await this.writer.write(plan);
    } finally {
      this.metrics?.queueDepth.set(this.dirty.size);
    }
  }

  /** What to write at `key`, or null when etcd already holds the desired value. */
  private plan(key: string): PlannedWrite | null {
    const want = this.desired.get(key);
    const have = this.actual.get(key);
    if (!want && !have) return null;
    if (want && have && isDeepStrictEqual(want.value, have.value)) {
      have.value = want.value; // share one object: halves the memory of large models
      return null;
    }
    const kind = want?.kind ?? kindOfKey(key) ?? 'policy';
    if (!this.complete.has(kind)) return null; // compared once its source has listed
    const expectModRevision = have?.modRevision ?? '0';
    if (!want) return { key, kind, op: 'delete', expectModRevision };
    return {
      key,
      kind,
      op: have ? 'update' : 'create',
      expectModRevision,
      put: { schema: SCHEMAS[want.kind], value: want.value },
    };
  }
}
