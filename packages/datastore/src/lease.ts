/**
 * LeaseHandle: an etcd lease kept alive in the background.
 *
 * Guarantee: `onLost` fires at most once, and no later than the moment the lease
 * may have expired on the server. etcd3's own 'lost' event only fires 2×TTL after
 * the last keepalive, which is too late for leader election, so the handle also
 * runs a local deadline: TTL after the *send* time of the last acknowledged
 * keepalive (the server refreshed the lease no earlier than that). Once lost, the
 * keepalive stops and the lease is revoked best-effort so its keys go away.
 */
import type { Logger } from '@palisade/common';
import type { Etcd3, Lease } from 'etcd3';

export interface LeaseHandle {
  /** Lease id as a decimal string. */
  readonly id: string;
  onLost(cb: (reason: string) => void): void;
  revoke(): Promise<void>;
}

export class KeptLease implements LeaseHandle {
  private lostCbs: ((reason: string) => void)[] = [];
  private lost: string | null = null;
  private closed = false;
  private lastFired = 0;
  private aliveSince: number;
  private timer: NodeJS.Timeout | null = null;
  /** Called once when the lease ends (revoked, released or lost). */
  onEnded: (() => void) | null = null;

  private constructor(
    private readonly lease: Lease,
    readonly id: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    grantedAt: number,
  ) {
    this.aliveSince = grantedAt;
    lease.on('keepaliveFired', () => {
      this.lastFired = Date.now();
    });
    lease.on('keepaliveSucceeded', () => {
      this.aliveSince = Math.max(this.aliveSince, this.lastFired);
      this.arm();
    });
    lease.on('lost', (err) => this.markLost(`lease lost: ${err.message}`));
    this.arm();
  }

  static async grant(raw: Etcd3, ttlSeconds: number, logger: Logger): Promise<KeptLease> {
    const sentAt = Date.now();
    const lease = raw.lease(ttlSeconds, { autoKeepAlive: true });
    // etcd3 emits 'lost' on a failed grant too; without a listener that would throw.
    let grantError: unknown = null;
    lease.on('lost', (err) => {
      grantError = err;
    });
    try {
      const id = await lease.grant();
      return new KeptLease(lease, id, ttlSeconds * 1000, logger, sentAt);
    } catch (err) {
      lease.release();
      throw grantError ?? err;
    }
  }

  onLost(cb: (reason: string) => void): void {
    if (this.lost !== null) {
      const reason = this.lost;
      queueMicrotask(() => cb(reason));
      return;
    }
    this.lostCbs.push(cb);
  }

  get isLost(): boolean {
    return this.lost !== null;
  }

  /** Stops the keepalive without revoking: the lease expires after its TTL. */
  release(): void {
    this.ended();
    this.closed = true;
    this.clearTimer();
    this.lease.release();
  }

  async revoke(): Promise<void> {
    this.ended();
    this.closed = true;
    this.clearTimer();
    try {
      await this.lease.revoke();
    } finally {
      this.lease.release();
    }
  }

  private ended(): void {
    const cb = this.onEnded;
    this.onEnded = null;
    cb?.();
  }

  private arm(): void {
    this.clearTimer();
    if (this.closed || this.lost !== null) return;
    const remaining = this.aliveSince + this.ttlMs - Date.now();
    this.timer = setTimeout(
      () => this.markLost('no keepalive acknowledged within the lease TTL'),
      Math.max(0, remaining),
    );
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private markLost(reason: string): void {
    if (this.closed || this.lost !== null) return;
    this.lost = reason;
    this.ended();
    this.clearTimer();
    this.logger.warn('etcd lease lost', { lease: this.id, reason });
    this.lease.release();
    // Best effort: if etcd is reachable again the keys should not linger until expiry.
    this.lease.revoke().catch(() => undefined);
    for (const cb of this.lostCbs.splice(0)) {
      try {
        cb(reason);
      } catch (err) {
        this.logger.error('lease onLost callback failed', { lease: this.id, err });
      }
    }
  }
}
