/**
 * StatusReporter: keeps /palisade/v1/agent/<node> equal to the agent's latest status,
 * bound to a lease so that a dead agent's status disappears after the TTL.
 *
 * Guarantees:
 *  - Writes are coalesced: at most one put is in flight; changes made meanwhile are
 *    written by one follow-up put with the newest state.
 *  - Survives etcd outages: a failed put is retried with backoff, and a lost lease
 *    (expired during the outage) is replaced by a new one before the next put, so the
 *    key comes back once etcd does.
 *  - stop() revokes the lease (best effort, bounded), so a clean shutdown removes the
 *    key at once instead of after the TTL.
 */
import { Backoff, type Logger } from '@palisade/common';
import { logEtcdFailure, type EtcdClient, type LeaseHandle } from '@palisade/datastore';
import { agentKey, API_VERSION, AgentStatusSchema, type AgentStatus } from '@palisade/model';

export type StatusFields = Omit<AgentStatus['status'], 'version' | 'startedAt'>;

export interface StatusReporterOptions {
  client: Pick<EtcdClient, 'put' | 'grantLease'>;
  nodeName: string;
  ttlSeconds: number;
  version: string;
  logger: Logger;
  startedAt?: Date;
  backoff?: { initialMs: number; maxMs: number };
}

export class StatusReporter {
  private state: StatusFields = {
    inSync: false,
    programmedRevision: '0',
    counts: { endpoints: 0, localEndpoints: 0, policies: 0, chains: 0, ipsets: 0 },
    lastApply: null,
    lastError: null,
    invalidKeys: {},
    ipConflicts: [],
  };
  private readonly startedAt: string;
  private readonly backoff: Backoff;
  private lease: LeaseHandle | null = null;
  private dirty = false;
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private writes = 0;

  constructor(private readonly opts: StatusReporterOptions) {
    this.startedAt = (opts.startedAt ?? new Date()).toISOString();
    this.backoff = new Backoff(opts.backoff ?? { initialMs: 200, maxMs: 5000 });
  }

  /** The status as it would be written now. */
  current(): AgentStatus {
    return {
      apiVersion: API_VERSION,
      kind: 'AgentStatus',
      metadata: { name: this.opts.nodeName },
      status: { version: this.opts.version, startedAt: this.startedAt, ...this.state },
    };
  }

  /** Number of successful puts (for tests). */
  get writeCount(): number {
    return this.writes;
  }

  /** Merges `fields` into the status and schedules a write when anything changed. */
  update(fields: Partial<StatusFields>): void {
    const next = { ...this.state, ...fields };
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    this.schedule();
  }

  /** Writes the current status now (also used at start). */
  schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.writing || this.retryTimer) return;
    this.writing = this.drain().finally(() => (this.writing = null));
  }

  /** Resolves when no write is in flight (for tests and shutdown). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async stop(timeoutMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const lease = this.lease;
    this.lease = null;
    if (!lease) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([lease.revoke().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        const lease = await this.ensureLease();
        await this.opts.client.put(
          agentKey(this.opts.nodeName),
          AgentStatusSchema,
          this.current(),
          {
            leaseId: lease.id,
          },
        );
        this.writes++;
        this.backoff.reset();
      } catch (err) {
        if (this.stopped) return;
        this.dirty = true;
        const delayMs = this.backoff.next();
        logEtcdFailure(this.opts.logger, 'cannot write agent status; retrying', err, {
          key: agentKey(this.opts.nodeName),
          delayMs,
        });
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.schedule();
        }, delayMs);
        return;
      }
    }
  }

  private async ensureLease(): Promise<LeaseHandle> {
    if (this.lease) return this.lease;
    const lease = await this.opts.client.grantLease(this.opts.ttlSeconds);
    if (this.stopped) {
      await lease.revoke().catch(() => undefined);
      throw new Error('stopped');
    }
    this.lease = lease;
    lease.onLost((reason) => {
      if (this.lease !== lease) return;
      this.lease = null;
      this.opts.logger.warn('agent status lease lost; will re-grant and rewrite', { reason });
      this.schedule();
    });
    return lease;
  }
}
