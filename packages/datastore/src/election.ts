/**
 * LeaderElection: one active holder of a key, bound to an etcd lease.
 *
 * The holder's value is a `Leader` record (holder id, since) stored at the key
 * itself, so `etcdctl get --prefix <key>` shows who leads. A candidate creates the
 * key only if it does not exist (txn on create revision), attached to its lease;
 * the others poll until it disappears. The key disappears when the leader resigns
 * (revoke) or dies (lease expiry), so another candidate takes over within about
 * one TTL plus one poll interval.
 *
 * Safety: a leader considers itself deposed no later than the server could expire
 * its lease (the LeaseHandle's local deadline: TTL after the last acknowledged
 * keepalive was sent), or as soon as it sees the key changed or gone. It then calls
 * onDeposed before any other candidate can be elected, and campaigns again.
 */
import { silentLogger, sleep, type Logger } from '@palisade/common';
import { API_VERSION, LEADER_KEY, LeaderSchema, errorMessage, type Leader } from '@palisade/model';
import type { EtcdClient, LeaseHandle } from './client.js';
import { logEtcdFailure } from './errors.js';

export const ABORTED = Symbol('aborted');
/**
 * `p`, or ABORTED as soon as `signal` aborts. The abort listener is removed once the
 * race is decided, so a long-held leadership (one race per poll) adds no listeners.
 */
export async function raceAbort<T>(
  p: Promise<T>,
  signal: AbortSignal,
): Promise<T | typeof ABORTED> {
  if (signal.aborted) return ABORTED;
  let onAbort = (): void => undefined;
  const abort = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, abort]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export interface LeaderElectionOptions {
  client: EtcdClient;
  /** Defaults to LEADER_KEY. */
  key?: string;
  id: string;
  ttlSeconds: number;
  logger?: Logger;
}

export interface LeaderCallbacks {
  onElected(): void;
  onDeposed(): void;
}

export class LeaderElection {
  private readonly key: string;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly pollMs: number;
  private lease: LeaseHandle | null = null;
  /** Aborted when the current lease is lost: wakes the holder immediately. */
  private leaseAlive = new AbortController();
  private leader = false;
  private heldRevision: string | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.key = opts.key ?? LEADER_KEY;
    this.logger = (opts.logger ?? silentLogger()).child({
      component: 'election',
      key: this.key,
      id: opts.id,
    });
    this.pollMs = Math.min(500, (opts.ttlSeconds * 1000) / 4);
  }

  static async currentLeader(
    client: EtcdClient,
    key: string = LEADER_KEY,
  ): Promise<{ id: string; since?: string } | null> {
    const stored = await client.get(key, LeaderSchema);
    return stored ? { id: stored.value.holder, since: stored.value.since } : null;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Campaigns until elected; on loss of leadership calls onDeposed and campaigns again. */
  run(cb: LeaderCallbacks): void {
    if (this.loop) return;
    this.loop = this.campaign(cb).catch((err: unknown) => {
      this.logger.error('leader election stopped unexpectedly', { err: errorMessage(err) });
    });
  }

  /** Stops campaigning and gives up leadership (the key is removed). Does not call onDeposed. */
  async resign(): Promise<void> {
    this.abort.abort();
    await this.loop;
    const wasLeader = this.leader;
    this.leader = false;
    if (wasLeader && this.heldRevision !== null) {
      await this.opts.client
        .delete(this.key, { expectModRevision: this.heldRevision })
        .catch(() => undefined);
    }
    await this.lease?.revoke().catch(() => undefined);
    this.lease = null;
    if (wasLeader) this.logger.info('resigned leadership');
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async campaign(cb: LeaderCallbacks): Promise<void> {
    while (!this.stopped) {
      try {
        if (await this.tryAcquire()) {
          this.leader = true;
          this.logger.info('elected leader');
          this.safely(() => cb.onElected());
          const reason = await this.holdUntilDeposed();
          if (this.stopped) return;
          this.leader = false;
          this.logger.warn('lost leadership; campaigning again', { reason });
          this.safely(() => cb.onDeposed());
          await this.dropLease();
          continue;
        }
      } catch (err) {
        logEtcdFailure(this.logger, 'leader election attempt failed; will retry', err, {
          key: this.key,
        });
      }
      await sleep(this.pollMs, this.abort.signal);
    }
  }

  private async tryAcquire(): Promise<boolean> {
    if (this.lease && this.leaseAlive.signal.aborted) await this.dropLease();
    if (!this.lease) {
      const lease = await this.opts.client.grantLease(this.opts.ttlSeconds);
      const alive = new AbortController();
      this.lease = lease;
      this.leaseAlive = alive;
      lease.onLost(() => alive.abort());
    }
    if (this.stopped) return false;
    const value: Leader = {
      apiVersion: API_VERSION,
      kind: 'Leader',
      holder: this.opts.id,
      since: new Date().toISOString(),
    };
    const res = await this.opts.client.put(this.key, LeaderSchema, value, {
      expectModRevision: '0',
      leaseId: this.lease.id,
    });
    if (res.succeeded) this.heldRevision = res.revision;
    return res.succeeded;
  }

  /** Resolves with a reason once leadership is lost, or when resign() is called. */
  private async holdUntilDeposed(): Promise<string> {
    const wake = AbortSignal.any([this.abort.signal, this.leaseAlive.signal]);
    while (!this.stopped) {
      if (this.leaseAlive.signal.aborted) return 'lease lost';
      try {
        // Raced with `wake` so that a lease loss during a slow call is acted on at once.
        const cur = await raceAbort(this.opts.client.getRaw(this.key), wake);
        if (cur === ABORTED) continue;
        if (cur?.modRevision !== this.heldRevision) return 'leader key changed or removed';
      } catch {
        // etcd unreachable: the lease deadline decides.
      }
      await sleep(this.pollMs, wake);
    }
    return 'resigned';
  }

  private async dropLease(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    this.heldRevision = null;
    await lease?.revoke().catch(() => undefined);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error('leader election callback failed', { err: errorMessage(err) });
    }
  }
}
