/**
 * ClusterPolicyStatusWriter: keeps each ClusterNetworkPolicy's `Accepted` condition in
 * line with its translation.
 *
 * Guarantees, and why:
 * - Only the leader writes (as with etcd): a standby keeps the latest objects and
 *   translations, and checks them all when it is elected.
 * - It writes only when the condition differs from what the object already says
 *   (status, reason, message, observedGeneration), so its own write, echoed back by
 *   the informer, causes nothing, and an unchanged CNP is never written again.
 * - It never fights: every write carries the resourceVersion it read (a conflict
 *   re-reads and tries again, at most a few times), it replaces only its own
 *   condition, and once it has written a condition it does not write the same one
 *   again until the CNP or its translation changes, even if someone edits it (until
 *   it is elected anew).
 * - A spec newer than the translation (a conflict shows a new generation) is left to
 *   the informer event that is on its way: the condition always describes the
 *   generation it names.
 * Writes go one at a time; a failure is retried with backoff.
 */
import { Backoff, errorMessage, silentLogger, sleep, type Logger } from '@palisade/common';
import type { ClusterPolicy } from '@palisade/model';
import {
  ACCEPTED_CONDITION,
  acceptedCondition,
  conditionTime,
  findCondition,
  sameCondition,
  withCondition,
  type DesiredCondition,
} from './clusterPolicyStatus.js';
import type { ControllerMetrics } from './metrics.js';
import type { ClusterPolicyStatusClient } from './statusClient.js';
import type { KClusterNetworkPolicy } from './translate/index.js';

export interface StatusWriterOptions {
  client: ClusterPolicyStatusClient;
  logger?: Logger;
  metrics?: ControllerMetrics;
  now?: () => Date;
  backoff?: { initialMs: number; maxMs: number };
}

interface Entry {
  cnp: KClusterNetworkPolicy;
  policy: ClusterPolicy;
}

const MAX_CONFLICTS = 3;
const signature = (d: DesiredCondition): string => JSON.stringify(d);

export class ClusterPolicyStatusWriter {
  private readonly client: ClusterPolicyStatusClient;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly now: () => Date;
  private readonly backoff: Backoff;
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  /** name → the condition this process last wrote (or found already in place). */
  private readonly written = new Map<string, string>();
  private leader = false;
  private stopped = false;
  private busy = false;
  private worker: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(opts: StatusWriterOptions) {
    this.client = opts.client;
    this.logger = (opts.logger ?? silentLogger()).child({ component: 'cnp-status' });
    this.metrics = opts.metrics;
    this.now = opts.now ?? (() => new Date());
    this.backoff = new Backoff(opts.backoff ?? { initialMs: 500, maxMs: 30_000 });
  }

  /** The informer's latest object and its translation. */
  observe(cnp: KClusterNetworkPolicy, policy: ClusterPolicy): void {
    const name = cnp.metadata?.name;
    if (!name) return;
    this.entries.set(name, { cnp, policy });
    this.markDirty(name);
  }

  forget(name: string): void {
    this.entries.delete(name);
    this.written.delete(name);
    this.dirty.delete(name);
  }

  setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    if (!leader) return;
    this.written.clear();
    for (const name of this.entries.keys()) this.markDirty(name);
  }

  /** Resolves once nothing is being written and, when leading, nothing waits (tests). */
  async idle(pollMs = 5): Promise<void> {
    while (this.busy || (this.leader && (this.dirty.size > 0 || this.retryTimer !== null))) await sleep(pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dirty.clear();
    await this.worker;
  }

  private markDirty(name: string): void {
    if (this.stopped) return;
    this.dirty.add(name);
    if (this.leader && !this.worker && !this.retryTimer) this.worker = this.run().finally(() => (this.worker = null));
  }

  private async run(): Promise<void> {
    while (this.leader && !this.stopped && this.dirty.size > 0) {
      const name = this.dirty.values().next().value as string;
      this.dirty.delete(name);
      this.busy = true;
      try {
        await this.sync(name);
        this.backoff.reset();
      } catch (err) {
        this.dirty.add(name);
        this.metrics?.errors.inc({ kind: 'status' });
        const retryInMs = this.backoff.next();
        this.logger.warn('writing ClusterNetworkPolicy status failed, will retry', {
          policy: name,
          err: errorMessage(err),
          retryInMs,
        });
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (this.dirty.size > 0) this.markDirty(this.dirty.values().next().value as string);
        }, retryInMs);
        return;
      } finally {
        this.busy = false;
      }
    }
  }

  private async sync(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry || !this.leader) return;
    const desired = acceptedCondition(entry.policy, entry.cnp.metadata?.generation);
    const sig = signature(desired);
    let cnp = entry.cnp;
    for (let attempt = 0; attempt <= MAX_CONFLICTS; attempt++) {
      if (sameCondition(findCondition(cnp.status?.conditions, ACCEPTED_CONDITION), desired)) {
        this.written.set(name, sig);
        return;
      }
      if (this.written.get(name) === sig) {
        this.logger.debug('status condition changed by someone else: not writing it again', { policy: name });
        return;
      }
      const body: KClusterNetworkPolicy = {
        ...cnp,
        status: { ...cnp.status, conditions: withCondition(cnp.status?.conditions, desired, conditionTime(this.now())) },
      };
      const result = await this.client.updateStatus(body);
      if (result === 'updated') {
        this.written.set(name, sig);
        this.logger.debug('wrote status condition', { policy: name, status: desired.status, reason: desired.reason });
        return;
      }
      if (result === 'notFound') return;
      const fresh = await this.client.get(name);
      if (!fresh || fresh.metadata?.generation !== cnp.metadata?.generation) return;
      cnp = fresh;
    }
    this.logger.warn('status kept changing under us: gave up for now', { policy: name });
  }
}
