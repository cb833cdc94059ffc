/**
 * Agent: the orchestrator. syncer → validation filter → calc graph → dataplane, plus
 * status and metrics.
 *
 * Guarantees, and why things happen in this order:
 *  - Nothing is written to the kernel before the syncer reports in-sync: a partial
 *    first list could miss policies and program pods as unisolated. Until then the
 *    kernel keeps whatever an earlier agent programmed.
 *  - Updates are fed to the calc graph as they arrive (cheap index work); the graph is
 *    flushed and the dataplane applied at most once per `applyDebounceMs`, so a burst
 *    of changes becomes one apply. Only one apply runs at a time; changes that arrive
 *    during an apply are picked up by the next one.
 *  - `programmedRevision` is only advanced after an apply that included every update
 *    up to that revision succeeded.
 *  - A failed apply is retried with backoff, after marking the dataplane for a full
 *    resync (the kernel's state is then unknown). After `maxApplyFailures`
 *    consecutive failures `onFatal` is called: the process exits non-zero and its
 *    DaemonSet restarts it, while the kernel keeps the last programmed rules.
 *  - Every `resyncIntervalMs` the dataplane re-reads the kernel and repairs drift.
 *    A resync never holds back a model change: when both are due, the change is
 *    applied first (incrementally) and the resync runs in the next apply. So a new
 *    endpoint or policy waits at most for one apply already in flight.
 *  - During an etcd outage the syncer stays in `resync` and delivers nothing; the
 *    programmed state is left as it is (fail closed: never flushed).
 */
import { Backoff, errorMessage, type Logger } from '@palisade/common';
import type { Revision, SyncStatus, SyncUpdate, SyncerCallbacks } from '@palisade/datastore';
import type { CalcGraph } from './calc/index.js';
import type { CalcMessage } from './messages.js';
import { IpConflictReporter } from './ipConflictReporter.js';
import type { AgentMetrics } from './metrics.js';
import type { StatusReporter } from './statusReporter.js';
import type { ValidationFilter } from './validationFilter.js';

export interface ApplyResult {
  iptablesRestoreCalls: number;
  ipsetCalls: number;
  rulesWritten: number;
  chainsWritten: number;
  durationMs: number;
}

/** What the agent needs from the dataplane (the real one is dataplane/Dataplane). */
export interface AgentDataplane {
  onMessages(msgs: CalcMessage[]): void;
  apply(): Promise<ApplyResult>;
  markForResync(): void;
  counts(): { chains: number; ipsets: number };
}

export interface AgentOptions {
  calc: Pick<CalcGraph, 'onUpdate' | 'flush' | 'stats' | 'ipConflicts'>;
  dataplane: AgentDataplane;
  filter: Pick<ValidationFilter, 'filter' | 'invalidKeys'>;
  metrics: AgentMetrics;
  status: Pick<StatusReporter, 'update'>;
  logger: Logger;
  applyDebounceMs: number;
  resyncIntervalMs: number;
  maxApplyFailures: number;
  /** Called once when applies keep failing; main exits non-zero. */
  onFatal: (err: unknown) => void;
  retryBackoff?: { initialMs: number; maxMs: number };
}

export class Agent implements SyncerCallbacks {
  private syncStatus: SyncStatus = 'wait-for-ready';
  private everInSync = false;
  private firstApplyDone = false;
  /** Revision of the newest batch fed to the calc graph. */
  private receivedRevision: Revision = '0';
  private programmedRevision: Revision = '0';
  /** Inputs fed to the calc graph since the last apply started. */
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private applying: Promise<void> | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  /** A periodic resync is due (run by the first apply with no model change pending). */
  private resyncDue = false;
  private failures = 0;
  private retryPending = false;
  private fatal = false;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly conflicts: IpConflictReporter;

  constructor(private readonly opts: AgentOptions) {
    this.backoff = new Backoff(opts.retryBackoff ?? { initialMs: 200, maxMs: 10_000 });
    this.log = opts.logger;
    this.conflicts = new IpConflictReporter(opts.logger, opts.metrics);
  }

  /** Ready: in sync with etcd and the first apply is done. */
  isReady(): boolean {
    return this.syncStatus === 'in-sync' && this.firstApplyDone;
  }

  get revision(): { received: Revision; programmed: Revision } {
    return { received: this.receivedRevision, programmed: this.programmedRevision };
  }

  start(): void {
    this.resyncTimer = setInterval(() => this.periodicResync(), this.opts.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  /** Stops scheduling applies and waits for the one in flight. Never touches the kernel. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.timer = null;
    this.resyncTimer = null;
    await this.applying;
  }

  onUpdates(updates: SyncUpdate[], revision: Revision): void {
    const inputs = this.opts.filter.filter(updates);
    for (const input of inputs) this.opts.calc.onUpdate(input);
    this.receivedRevision = revision;
    this.opts.status.update({ invalidKeys: this.opts.filter.invalidKeys() });
    if (inputs.length > 0) {
      this.dirty = true;
      this.schedule(this.opts.applyDebounceMs);
    } else if (this.isIdle()) {
      // Nothing the dataplane consumes changed (e.g. another agent's status):
      // everything up to this revision is programmed already. Reported with the next write.
      this.programmedRevision = revision;
    }
  }

  onStatus(status: SyncStatus): void {
    this.syncStatus = status;
    this.log.info('datastore sync status', { status, revision: this.receivedRevision });
    if (status === 'in-sync' && !this.everInSync) {
      this.everInSync = true;
      this.dirty = true;
      this.schedule(0);
    }
    this.publishSyncState();
  }

  private isIdle(): boolean {
    return this.everInSync && this.firstApplyDone && !this.dirty && !this.timer && !this.applying;
  }

  private periodicResync(): void {
    if (!this.firstApplyDone || this.fatal) return;
    this.log.debug('periodic dataplane resync');
    this.resyncDue = true;
    this.dirty = true;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.everInSync || this.stopped || this.fatal || this.retryPending) return;
    if (this.applying) return; // the running apply reschedules when it ends
    if (this.timer) return; // coalesce into the pending apply
    this.timer = setTimeout(() => {
      this.timer = null;
      this.applying = this.applyOnce().finally(() => {
        this.applying = null;
        if (this.dirty && !this.stopped && this.failures === 0)
          this.schedule(this.opts.applyDebounceMs);
      });
    }, delayMs);
  }

  private async applyOnce(): Promise<void> {
    this.dirty = false;
    const revision = this.receivedRevision;
    const messages = this.opts.calc.flush();
    if (this.resyncDue) {
      if (messages.length > 0) this.dirty = true; // model changes first; resync next
      else {
        this.resyncDue = false;
        this.opts.dataplane.markForResync();
      }
    }
    this.opts.dataplane.onMessages(messages);
    try {
      const result = await this.opts.dataplane.apply();
      this.onApplied(result, revision, messages.length);
    } catch (err) {
      this.onApplyFailed(err);
    }
  }

  private onApplied(result: ApplyResult, revision: Revision, messages: number): void {
    if (this.failures > 0) this.log.info('dataplane apply recovered', { failures: this.failures });
    this.failures = 0;
    this.backoff.reset();
    this.firstApplyDone = true;
    this.programmedRevision = revision;
    this.opts.metrics.recordApply(result);
    const stats = this.opts.calc.stats();
    this.opts.metrics.setCounts(stats);
    const { chains, ipsets } = this.opts.dataplane.counts();
    const level = result.iptablesRestoreCalls + result.ipsetCalls > 0 ? 'info' : 'debug';
    this.log.log(level, 'dataplane programmed', { revision, messages, ...result });
    this.opts.status.update({
      programmedRevision: revision,
      counts: {
        endpoints: stats.endpoints,
        localEndpoints: stats.localEndpoints,
        policies: stats.policies,
        chains,
        ipsets,
      },
      lastApply: {
        time: new Date().toISOString(),
        durationMs: Math.round(result.durationMs * 1000) / 1000,
      },
      lastError: null,
      ipConflicts: this.conflicts.report(this.opts.calc.ipConflicts()),
    });
    this.publishSyncState();
  }

  private onApplyFailed(err: unknown): void {
    this.failures++;
    this.opts.metrics.applyErrors.inc();
    this.opts.dataplane.markForResync();
    this.dirty = true;
    const message = errorMessage(err);
    this.opts.status.update({ lastError: { time: new Date().toISOString(), message } });
    this.publishSyncState();
    if (this.failures >= this.opts.maxApplyFailures) {
      this.fatal = true;
      this.log.error('dataplane apply keeps failing; exiting so that the agent is restarted', {
        failures: this.failures,
        err: message,
      });
      this.opts.onFatal(err);
      return;
    }
    const delayMs = this.backoff.next();
    this.log.warn('dataplane apply failed; retrying', {
      failures: this.failures,
      err: message,
      delayMs,
    });
    this.retryPending = true;
    setTimeout(() => {
      this.retryPending = false;
      this.schedule(0);
    }, delayMs).unref();
  }

  private publishSyncState(): void {
    const inSync = this.isReady() && this.failures === 0;
    this.opts.metrics.inSync.set(inSync ? 1 : 0);
    this.opts.status.update({ inSync, programmedRevision: this.programmedRevision });
  }
}
