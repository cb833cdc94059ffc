/**
 * IpConflictReporter: tells operators about IPs that several endpoints claim (issue 10).
 *
 * Each conflict is logged once when it appears (warn: isolation is enforced as the union
 * of the claimants' on this node, but something upstream, IPAM or a stuck pod, is wrong)
 * and once when it is gone (info). The gauge counts all of them; the status lists the
 * first MAX_REPORTED_IP_CONFLICTS so that the agent's key stays small.
 */
import type { Logger } from '@palisade/common';
import { MAX_REPORTED_IP_CONFLICTS, type IpConflictStatus } from '@palisade/model';
import type { IpConflict } from './calc/index.js';
import type { AgentMetrics } from './metrics.js';

export class IpConflictReporter {
  /** ip → the claimants as last logged. */
  private known = new Map<string, string>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Pick<AgentMetrics, 'ipConflicts'>,
  ) {}

  /** Logs what changed, sets the gauge, returns the status list. */
  report(conflicts: readonly IpConflict[]): IpConflictStatus[] {
    const next = new Map<string, string>();
    for (const c of conflicts) {
      const id = `${c.local ? 'local' : 'cluster'} ${c.endpoints.join(',')}`;
      next.set(c.ip, id);
      if (this.known.get(c.ip) === id) continue;
      this.logger.warn('several endpoints claim one IP', {
        ip: c.ip,
        endpoints: c.endpoints,
        scope: c.local ? 'local' : 'cluster',
      });
    }
    for (const ip of this.known.keys()) {
      if (!next.has(ip)) this.logger.info('IP conflict resolved', { ip });
    }
    this.known = next;
    const local = conflicts.filter((c) => c.local).length;
    this.metrics.ipConflicts.set({ scope: 'local' }, local);
    this.metrics.ipConflicts.set({ scope: 'cluster' }, conflicts.length - local);
    return conflicts
      .slice(0, MAX_REPORTED_IP_CONFLICTS)
      .map((c) => ({ ip: c.ip, endpoints: [...c.endpoints], local: c.local }));
  }
}
