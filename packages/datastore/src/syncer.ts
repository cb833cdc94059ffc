/**
 * Syncer: mirrors every key under a prefix into a consumer, list-then-watch.
 *
 * Guarantees
 * - The consumer receives batches (`onUpdates`) in revision order; each batch's
 *   revision is the highest revision it reflects. After every batch the consumer's
 *   view equals etcd's content under the prefix at that revision.
 * - Status goes `wait-for-ready` → (first list delivered) `in-sync`. When the watch
 *   is lost it goes `resync`, and back to `in-sync` once a watch is re-established
 *   or a re-list has been delivered.
 * - Nothing is lost or reordered across failures. The syncer owns the watch stream
 *   (etcd3's raw gRPC Watch, not its auto-reconnecting Watcher, which resumes from
 *   the revision in the *created* header and can skip events that were still being
 *   replayed when it disconnected). On any stream failure it re-watches from
 *   last-delivered-revision + 1 with bounded exponential backoff. If etcd answers
 *   that this revision is compacted, it re-lists and emits the diff against what the
 *   consumer was told, including deletions of keys that vanished meanwhile.
 * - The revision only advances on delivered events or a list, never on a watch
 *   header or progress notification (etcd 3.4 answers progress requests with the
 *   store revision even while a watcher is still replaying), so a re-watch never
 *   starts past an undelivered event.
 * - After a re-watch, `in-sync` is reported on the first batch or after a short
 *   settle delay, so that a compaction cancel (sent by etcd shortly after the
 *   created response) does not make the status flap.
 * - Values are passed through as raw strings; the syncer never parses them, so a
 *   corrupt value cannot stop it. A throwing callback is logged, not retried.
 */
import { Backoff, silentLogger, sleep, type Logger } from '@palisade/common';
import { errorMessage } from '@palisade/model';
import { EtcdPermissionDeniedError, Range, type IWatchResponse } from 'etcd3';
import type { EtcdClient } from './client.js';
import { logEtcdFailure, permissionDenied, wrapEtcdError } from './errors.js';
import { SyncerView, type WatchEvent } from './syncerView.js';
import type { Revision, SyncStatus, SyncUpdate, SyncerCallbacks } from './types.js';

export interface SyncerOptions {
  client: EtcdClient;
  prefix: string;
  callbacks: SyncerCallbacks;
  logger?: Logger;
  backoff?: { initialMs: number; maxMs: number };
}

/** How long a re-established watch must live before the status returns to in-sync. */
const SETTLE_MS = 300;

type WatchEnd = 'compacted' | 'failed' | 'stopped';

export class Syncer {
  private readonly view = new SyncerView();
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private status: SyncStatus | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: SyncerOptions) {
    this.logger = (opts.logger ?? silentLogger()).child({
      component: 'syncer',
      prefix: opts.prefix,
    });
    this.backoff = new Backoff(opts.backoff ?? { initialMs: 100, maxMs: 5000 });
  }

  /** The last revision delivered to the consumer. */
  get revision(): Revision {
    return this.view.revision;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((err: unknown) => {
      this.logger.error('syncer stopped unexpectedly', { err: errorMessage(err) });
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    this.setStatus('wait-for-ready');
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        if (!(await this.list())) continue;
        needList = false;
      }
      const end = await this.watch();
      if (end === 'compacted') {
        this.logger.info('watch revision compacted; re-listing', { revision: this.revision });
        needList = true;
        this.setStatus('resync');
      } else if (end === 'failed') {
        this.setStatus('resync');
        await sleep(this.backoff.next(), this.abort.signal);
      }
    }
  }

  /** Lists the prefix and delivers the diff; false (after a backoff) when etcd failed. */
  private async list(): Promise<boolean> {
    try {
      const { items, revision } = await this.opts.client.listRaw(this.opts.prefix);
      if (this.stopped) return false;
      const first = this.status === 'wait-for-ready';
      const updates = this.view.applyList(items, revision);
      this.logger.debug('listed', { keys: items.length, changed: updates.length, revision });
      this.deliver(updates, revision, first);
      this.setStatus('in-sync');
      this.backoff.reset();
      return true;
    } catch (err) {
      logEtcdFailure(this.logger, 'etcd list failed; will retry', err, {
        prefix: this.opts.prefix,
      });
      if (this.status !== 'wait-for-ready') this.setStatus('resync');
      await sleep(this.backoff.next(), this.abort.signal);
      return false;
    }
  }

  /** One watch stream from revision+1 until it fails, is compacted, or stop() is called. */
  private async watch(): Promise<WatchEnd> {
    let stream: Awaited<ReturnType<EtcdClient['raw']['watchClient']['watch']>>;
    try {
      stream = await this.opts.client.raw.watchClient.watch();
    } catch (err) {
      logEtcdFailure(this.logger, 'etcd watch failed to open; will retry', this.wrap(err));
      return 'failed';
    }
    const range = Range.prefix(this.opts.prefix);
    const startRevision = (BigInt(this.revision) + 1n).toString();
    return new Promise<WatchEnd>((resolve) => {
      let done = false;
      let settle: NodeJS.Timeout | undefined;
      const finish = (end: WatchEnd): void => {
        if (done) return;
        done = true;
        clearTimeout(settle);
        this.abort.signal.removeEventListener('abort', onAbort);
        try {
          stream.cancel();
        } catch {
          // the stream is already gone
        }
        resolve(end);
      };
      const onAbort = (): void => finish('stopped');
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (res: IWatchResponse) => {
        if (done) return;
        if (res.created && !res.canceled) {
          this.backoff.reset();
          settle = setTimeout(() => {
            if (!done) this.setStatus('in-sync');
          }, SETTLE_MS);
        }
        const end = this.handleResponse(res);
        if (end) finish(end);
      });
      stream.on('error', (err: Error) => {
        if (!done)
          logEtcdFailure(this.logger, 'etcd watch stream failed; will re-watch', this.wrap(err), {
            revision: this.revision,
          });
        finish('failed');
      });
      stream.on('end', () => finish('failed'));
      stream.write({
        create_request: { key: range.start, range_end: range.end, start_revision: startRevision },
      });
    });
  }

  private wrap(err: unknown): Error {
    const { client, prefix } = this.opts;
    return wrapEtcdError(err, {
      endpoints: client.endpoints,
      op: 'watch',
      key: prefix,
      user: client.username,
    });
  }

  private handleResponse(res: IWatchResponse): WatchEnd | null {
    if (res.compact_revision && res.compact_revision !== '0') return 'compacted';
    if (res.canceled) {
      const reason = res.cancel_reason;
      // etcd cancels a watch on a range this user may not read; say so with the fix.
      const err = /permission denied/i.test(reason)
        ? permissionDenied(new EtcdPermissionDeniedError(reason), {
            endpoints: this.opts.client.endpoints,
            op: 'watch',
            key: this.opts.prefix,
            user: this.opts.client.username,
          })
        : null;
      logEtcdFailure(this.logger, 'etcd canceled the watch; will re-watch', err ?? reason, {
        reason,
      });
      return 'failed';
    }
    if (res.created || res.events.length === 0) return null;
    const events: WatchEvent[] = res.events.map((ev) => ({
      type: ev.type,
      key: ev.kv.key.toString(),
      value: ev.type === 'Put' ? ev.kv.value.toString() : null,
      modRevision: ev.kv.mod_revision,
    }));
    const updates = this.view.applyEvents(events);
    this.deliver(updates, this.view.revision, false);
    this.setStatus('in-sync');
    return null;
  }

  private deliver(updates: SyncUpdate[], revision: Revision, always: boolean): void {
    if (updates.length === 0 && !always) return;
    try {
      this.opts.callbacks.onUpdates(updates, revision);
    } catch (err) {
      this.logger.error('syncer consumer failed on updates', { err: errorMessage(err), revision });
    }
  }

  private setStatus(status: SyncStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.logger.info('sync status', { status, revision: this.revision });
    try {
      this.opts.callbacks.onStatus(status);
    } catch (err) {
      this.logger.error('syncer consumer failed on status', { err: errorMessage(err) });
    }
  }
}
