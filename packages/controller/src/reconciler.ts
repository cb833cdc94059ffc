/**
 * Reconciler: the only writer of the controller's part of etcd.
 *
 * It holds the desired state (key → model object, fed from the translators) and a
 * cache of what etcd holds (key → mod revision and parsed value). Changes mark keys
 * dirty; a single worker flushes dirty keys after a short coalescing delay, so a burst
 * of informer events becomes one pass. For each key it compares semantically (parsed
 * values, not text) and writes only what differs, always with compare-and-swap on the
 * mod revision it last saw ('0' to create), so it never overwrites a write it has not
 * seen. A lost CAS re-reads the key and retries. An etcd error keeps the key dirty and
 * retries with backoff after a fresh full list, so no pending change is lost.
 *
 * Guarantees, and why in this order:
 * - Nothing is written before the desired state is complete (informers synced) and
 *   this process leads: otherwise a half-listed cluster would delete live objects.
 * - A full reconcile (list all three prefixes, compare every key) runs whenever it
 *   gains leadership, after errors, and periodically; it also deletes keys under the
 *   controller's prefixes that are no longer desired (or are malformed).
 * - A key that only changes is updated in place, never deleted and recreated.
 */
import { Backoff, errorMessage, silentLogger, sleep, type Logger } from '@palisade/common';
import type { PutOptions, Revision, Schema, SyncUpdate, WriteResult } from '@palisade/datastore';
import {
  ENDPOINT_PREFIX,
  EndpointSchema,
  NAMESPACE_PREFIX,
  NamespaceSchema,
  POLICY_PREFIX,
  PolicySchema,
} from '@palisade/model';
import { isDeepStrictEqual } from 'node:util';
import type { ControllerMetrics } from './metrics.js';

export type ObjectKind = 'policy' | 'namespace' | 'endpoint';

/** The subset of EtcdClient the reconciler uses (an in-memory fake in unit tests). */
export interface ReconcilerStore {
  listRaw(prefix: string): Promise<{ items: SyncUpdate[]; revision: Revision }>;
  getRaw(key: string): Promise<{ value: string; modRevision: Revision } | null>;
  put<T>(key: string, schema: Schema<T>, value: T, opts: PutOptions): Promise<WriteResult>;
  delete(key: string, opts: { expectModRevision?: Revision }): Promise<WriteResult>;
}

export interface ReconcilerOptions {
  store: ReconcilerStore;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Full reconcile period; default 60 000 ms. */
  resyncIntervalMs?: number;
  /** Delay that coalesces a burst of changes into one flush; default 5 ms. */
  coalesceMs?: number;
  /** Writes in flight at once; default 64. */
  concurrency?: number;
  backoff?: { initialMs: number; maxMs: number };
}

const PREFIXES: Record<ObjectKind, string> = {
  policy: POLICY_PREFIX,
  namespace: NAMESPACE_PREFIX,
  endpoint: ENDPOINT_PREFIX,
};
const SCHEMAS: Record<ObjectKind, Schema<unknown>> = {
  policy: PolicySchema,
  namespace: NamespaceSchema,
  endpoint: EndpointSchema,
};
/** Marks a stored value that does not parse: never equal to anything desired. */
const INVALID = Symbol('invalid');

interface Desired {
  kind: ObjectKind;
  value: unknown;
}
interface Actual {
  modRevision: Revision;
  value: unknown;
}

export function kindOfKey(key: string): ObjectKind | null {
  for (const [kind, prefix] of Object.entries(PREFIXES)) if (key.startsWith(prefix)) return kind as ObjectKind;
  return null;
}

function parseStored(kind: ObjectKind | null, text: string | null): unknown {
  if (kind === null || text === null) return INVALID;
  try {
    const parsed = SCHEMAS[kind].safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : INVALID;
  } catch {
    return INVALID;
  }
}

export class Reconciler {
  private readonly store: ReconcilerStore;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly resyncIntervalMs: number;
  private readonly coalesceMs: number;
  private readonly concurrency: number;
  private readonly backoff: Backoff;
  private readonly desired = new Map<string, Desired>();
  private readonly actual = new Map<string, Actual>();
  private readonly dirty = new Set<string>();
  private leader = false;
  private desiredComplete = false;
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
    this.coalesceMs = opts.coalesceMs ?? 5;
    this.concurrency = opts.concurrency ?? 64;
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

  /** Call once the informers have listed everything: until then nothing is written. */
  setDesiredComplete(): void {
    this.desiredComplete = true;
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
      this.poke();
    }
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Ready to serve: not leading, or leading and the first full reconcile completed. */
  ready(): boolean {
    return !this.leader || this.firstReconcileDone;
  }

  /** Keys waiting to be written (for metrics and tests). */
  pending(): number {
    return this.dirty.size;
  }

  /** Resolves once nothing is dirty and a full reconcile completed (tests, benchmarks). */
  async idle(pollMs = 5): Promise<void> {
    while (this.dirty.size > 0 || this.needFullReconcile || !this.firstReconcileDone) await sleep(pollMs);
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
    if (this.worker || this.stopped || !this.leader || !this.desiredComplete) return;
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
        this.logger.warn('etcd error, will retry', { err: errorMessage(err), retryInMs, pending: this.dirty.size });
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
    this.actual.clear();
    for (const { kind, items } of lists)
      for (const item of items)
        this.actual.set(item.key, { modRevision: item.modRevision, value: parseStored(kind, item.value) });
    for (const key of this.actual.keys()) this.dirty.add(key);
    for (const key of this.desired.keys()) this.dirty.add(key);
    const writes = await this.flush();
    const durationMs = Math.round(performance.now() - started);
    this.metrics?.reconcileDuration.observe(durationMs / 1000);
    if (!this.firstReconcileDone || writes > 0)
      this.logger.info('full reconcile done', { durationMs, writes, keys: this.desired.size });
    this.firstReconcileDone = true;
  }

  /** Writes every dirty key that differs. Returns the number of writes. Throws on etcd errors. */
  private async flush(): Promise<number> {
    const keys = [...this.dirty];
    this.dirty.clear();
    let next = 0;
    let writes = 0;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        if (failure !== null || !this.leader || this.stopped) {
          this.dirty.add(key);
          continue;
        }
        try {
          if (await this.syncKey(key)) writes++;
        } catch (err) {
          this.dirty.add(key);
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, keys.length) }, worker));
    this.metrics?.queueDepth.set(this.dirty.size);
    if (failure !== null) throw failure instanceof Error ? failure : new Error(errorMessage(failure));
    return writes;
  }

  /** Makes etcd hold the desired value at `key`. Returns true when it wrote. */
  private async syncKey(key: string): Promise<boolean> {
    const want = this.desired.get(key);
    const have = this.actual.get(key);
    if (!want && !have) return false;
    if (want && have && isDeepStrictEqual(want.value, have.value)) return false;
    const kind = want?.kind ?? kindOfKey(key) ?? 'policy';
    let res: WriteResult;
    if (want) {
      res = await this.store.put(key, SCHEMAS[want.kind], want.value, { expectModRevision: have?.modRevision ?? '0' });
      if (res.succeeded) this.actual.set(key, { modRevision: res.revision, value: want.value });
    } else {
      res = await this.store.delete(key, { expectModRevision: (have as Actual).modRevision });
      if (res.succeeded) this.actual.delete(key);
    }
    if (res.succeeded) {
      const op = !want ? 'delete' : have ? 'update' : 'create';
      this.metrics?.etcdWrites.inc({ kind, op });
      this.logger.debug('wrote key', { key, op });
      return true;
    }
    // Someone else wrote the key since we last looked: re-read it and try again.
    this.metrics?.errors.inc({ kind: 'conflict' });
    this.logger.debug('compare-and-swap lost, re-reading', { key });
    const current = await this.store.getRaw(key);
    if (current) this.actual.set(key, { modRevision: current.modRevision, value: parseStored(kindOfKey(key), current.value) });
    else this.actual.delete(key);
    this.markDirty(key);
    return false;
  }
}
