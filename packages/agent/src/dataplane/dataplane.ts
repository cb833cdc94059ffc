/**
 * Dataplane: turns calc messages into kernel state. onMessages() only records the
 * desired state; apply() renders what changed into the Tables (one per IP family)
 * and IpSets, which alone touch the kernel.
 *
 * apply() order, so nothing is referenced before it exists or removed while in use:
 *   1. ipsets: create sets and write membership (`ipset restore`);
 *   2. iptables: one `iptables-restore --noflush` transaction per family; the families
 *      are independent kernel tables, so the two transactions run side by side;
 *   3. ipsets: destroy sets no rule refers to any more.
 * The JS work overlaps the commands instead of adding to them: when a cache is cold
 * (first apply, after a failure or a resync), `ipset save` runs first (it gates the
 * first write); as soon as the ipsets are known their restore is spawned, then both
 * `iptables-save`, and the chains are rendered and both transactions built while the
 * restore runs. Each transaction is
 * written only once the ipset restore succeeded (Table.apply's `after`).
 * A membership-only change therefore costs one `ipset restore` and no iptables call.
 * A chain that an endpoint jumps to always exists: a policy calc has not (yet) sent
 * renders as an empty chain, which allows nothing.
 */
import { errorMessage, type Logger } from '@palisade/common';
import { CHAINS, type IpFamily } from '@palisade/model';
import type {
  CalcMessage,
  Direction,
  EndpointUpdate,
  PolicyUpdate,
  RuleSpec,
} from '../messages.js';
import type { Exec } from './exec.js';
import { detectBackend, iptablesCommands, type BackendMode } from './iptables/backend.js';
import { Table, type TableStats } from './iptables/table.js';
import { IpSets, type IpSetWriteStats } from './ipsets/ipSets.js';
import { breakdownOf, type ApplyBreakdown } from './applyBreakdown.js';
import type { RetryOptions } from './retry.js';
import {
  FORWARD_HOOK,
  endpointChain,
  policyChain,
  renderEndpointChain,
  renderForwardChain,
} from './rules/endpointRenderer.js';
import { renderDispatchTree } from './rules/dispatchTree.js';
import { DEFAULT_NFLOG_GROUP } from './rules/marks.js';
import { policyIpSets, renderPolicyChain } from './rules/policyRenderer.js';
import { ConnectionRevoker, type RevokeMetrics } from './conntrack/connectionRevoker.js';

export interface ApplyResult {
  iptablesRestoreCalls: number;
  ipsetCalls: number;
  rulesWritten: number;
  chainsWritten: number;
  durationMs: number;
  /** Where the time went: read, render, diff, write, per family (applyBreakdown.ts). */
  breakdown: ApplyBreakdown;
}

/** Optional counters (prom-client Counters fit). */
export interface DataplaneMetrics {
  /** Chains found changed by someone else on resync (and repaired). */
  clobberedChains?: { inc(value?: number): void };
  /** --revoke-connections: conntrack entries deleted, checks run. */
  revoke?: RevokeMetrics;
}

export interface DataplaneOptions {
  exec: Exec;
  logger: Logger;
  ipv6: boolean;
  backend?: BackendMode;
  nflogGroup?: number;
  metrics?: DataplaneMetrics;
  /** Tests shorten the backoff between failed writes. */
  retry?: RetryOptions;
  /**
   * Delete the conntrack entries of connections a change revoked, and drop mid-stream
   * TCP pickups (conntrack/connectionRevoker.ts). Off by default.
   */
  revokeConnections?: boolean;
}

const DIRECTIONS: Direction[] = ['ingress', 'egress'];

export class Dataplane {
  private readonly logger: Logger;
  private readonly ipsets: IpSets;
  private tables: Table[] | null = null;
  private readonly policies = new Map<string, PolicyUpdate>();
  private readonly endpoints = new Map<string, EndpointUpdate>();
  private readonly dirtyPolicies = new Set<string>();
  private readonly dirtyEndpoints = new Set<string>();
  private dispatchDirty = true;
  /** Policy chains rendered empty because calc has not sent the policy. */
  private readonly placeholders = new Set<string>();
  private readonly revoker: ConnectionRevoker | null;

  constructor(private readonly opts: DataplaneOptions) {
    this.logger = opts.logger.child({ component: 'dataplane' });
    this.ipsets = new IpSets({
      exec: opts.exec,
      logger: this.logger,
      ipv6: opts.ipv6,
      ...retryOpt(opts.retry),
    });
    this.revoker = opts.revokeConnections
      ? new ConnectionRevoker({
          exec: opts.exec,
          logger: this.logger.child({ component: 'conntrack' }),
          families: opts.ipv6 ? [4, 6] : [4],
          ...(opts.metrics?.revoke ? { metrics: opts.metrics.revoke } : {}),
        })
      : null;
  }

  onMessages(msgs: CalcMessage[]): void {
    this.revoker?.observe(msgs);
    for (const msg of msgs) {
      switch (msg.type) {
        case 'IpSetUpdate':
          this.ipsets.replaceMembers(msg.set, msg.members);
          break;
        case 'IpSetDeltaUpdate':
          this.ipsets.updateMembers(msg.set, msg.added, msg.removed);
          break;
        case 'IpSetRemove':
          this.ipsets.removeSet(msg.set);
          break;
        case 'PolicyUpdate':
          this.setPolicy(key(msg.policy), msg);
          break;
        case 'PolicyRemove':
          this.setPolicy(key(msg.policy), null);
          break;
        case 'EndpointUpdate':
          this.endpoints.set(key(msg.endpoint), msg);
          this.dirtyEndpoints.add(key(msg.endpoint));
          this.dispatchDirty = true;
          break;
        case 'EndpointRemove':
          this.endpoints.delete(key(msg.endpoint));
          this.dirtyEndpoints.add(key(msg.endpoint));
          this.dispatchDirty = true;
          break;
      }
    }
  }

  async apply(): Promise<ApplyResult> {
    const start = performance.now();
    const tables = await this.ensureTables();
    const ipsetCallsBefore = this.ipsets.calls;
    // Cold caches: `ipset save` alone first, as it gates the first write; the
    // iptables-save reads are needed only after the render, so they start once the
    // ipset restore runs and overlap it.
    this.ipsets.prefetch();
    await this.ipsets.ready();
    // Spawned before applyUpdates() returns: the render below overlaps the restore.
    const sets = this.ipsets.applyUpdates();
    for (const table of tables) table.prefetch();
    const renderStart = performance.now();
    try {
      this.render(tables);
    } catch (err) {
      await sets.catch(() => undefined);
      throw err;
    }
    const render = { start: renderStart, end: performance.now() };
    const [setStats, ...tableStats] = await settleAll<IpSetWriteStats | TableStats>([
      sets,
      ...tables.map((table) => table.apply({ after: sets })),
    ]);
    const destroy = await this.ipsets.applyDeletions();
    const result: ApplyResult = {
      iptablesRestoreCalls: 0,
      ipsetCalls: this.ipsets.calls - ipsetCallsBefore,
      rulesWritten: 0,
      chainsWritten: 0,
      durationMs: 0,
      breakdown: breakdownOf(start, {
        render,
        ipsets: { ...(setStats as IpSetWriteStats), destroy },
        tables: tables.map((t, i) => ({ family: t.family, stats: tableStats[i] as TableStats })),
      }),
    };
    for (const s of tableStats as TableStats[]) {
      result.iptablesRestoreCalls += s.restoreCalls;
      result.rulesWritten += s.rulesWritten;
      result.chainsWritten += s.chainsWritten;
    }
    await this.revokeConnections();
    result.durationMs = Math.round((performance.now() - start) * 10) / 10;
    result.breakdown.totalMs = result.durationMs;
    const { breakdown: _breakdown, ...counts } = result;
    this.logger.debug('dataplane applied', counts);
    return result;
  }

  /** After the rules are in place; a failure is retried with the next apply, not fatal. */
  private async revokeConnections(): Promise<void> {
    if (!this.revoker?.pending()) return;
    try {
      const r = await this.revoker.revoke({
        endpoints: () => this.endpoints.values(),
        policy: (ref) => this.policies.get(key(ref)),
        members: (set, family) => this.ipsets.members(set, family),
      });
      if (r && r.revoked > 0) this.logger.info('revoked connections', { ...r });
      else if (r) this.logger.debug('no connection to revoke', { ...r });
    } catch (err) {
      this.logger.warn('revoking connections failed; retrying after the next apply', {
        err: errorMessage(err),
      });
    }
  }

  markForResync(): void {
    for (const t of this.tables ?? []) t.markForResync();
    this.ipsets.markForResync();
  }

  async cleanup(): Promise<void> {
    const tables = await this.ensureTables();
    for (const t of tables) await t.cleanup();
    await this.ipsets.cleanup();
    this.logger.info('removed all Palisade chains and ipsets');
  }

  counts(): { chains: number; ipsets: number } {
    const chains = (this.tables ?? []).reduce((n, t) => n + t.chainNames().length, 0);
    return { chains, ipsets: this.ipsets.count() };
  }

  private setPolicy(k: string, msg: PolicyUpdate | null): void {
    const old = this.policies.get(k);
    for (const id of [
      ...policyIpSets(old?.inbound ?? null),
      ...policyIpSets(old?.outbound ?? null),
    ]) {
      this.ipsets.reference(id, -1);
    }
    if (msg) {
      for (const id of [...policyIpSets(msg.inbound), ...policyIpSets(msg.outbound)])
        this.ipsets.reference(id, 1);
      this.policies.set(k, msg);
    } else {
      this.policies.delete(k);
    }
    this.dirtyPolicies.add(k);
  }

  private async ensureTables(): Promise<Table[]> {
    if (this.tables) return this.tables;
    const backend = await detectBackend(this.opts.exec, this.opts.backend ?? 'nft');
    const families: IpFamily[] = this.opts.ipv6 ? [4, 6] : [4];
    this.logger.info('iptables backend selected', { backend, families });
    this.tables = families.map(
      (family) =>
        new Table({
          family,
          exec: this.opts.exec,
          logger: this.logger,
          commands: iptablesCommands(backend, family),
          hooks: [{ chain: 'FORWARD', target: CHAINS.forward, body: FORWARD_HOOK }],
          onClobber: (chains) => this.opts.metrics?.clobberedChains?.inc(chains.length),
          ...retryOpt(this.opts.retry),
        }),
    );
    for (const k of this.policies.keys()) this.dirtyPolicies.add(k);
    for (const k of this.endpoints.keys()) this.dirtyEndpoints.add(k);
    this.dispatchDirty = true;
    return this.tables;
  }

  /** Moves what changed since the last apply into the Tables. */
  private render(tables: Table[]): void {
    // Pod churn (ipset members only) leaves nothing to render: skip even the walk over
    // every endpoint's policies, which cluster policies make long.
    if (!this.dispatchDirty && this.dirtyPolicies.size === 0 && this.dirtyEndpoints.size === 0)
      return;
    const nflogGroup = this.opts.nflogGroup ?? DEFAULT_NFLOG_GROUP;
    const policyChains = this.policyChainsWanted();
    const dirtyPolicyChains = new Set<string>();
    for (const k of this.dirtyPolicies) {
      const slash = k.indexOf('/');
      const ref = { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
      for (const d of DIRECTIONS) dirtyPolicyChains.add(policyChain(d, ref));
    }
    for (const table of tables) {
      const family = table.family;
      table.setChain(CHAINS.forward, renderForwardChain());
      if (this.dispatchDirty) this.renderDispatch(table);
      for (const [name, spec] of policyChains) {
        if (dirtyPolicyChains.has(name) || !table.hasChain(name)) {
          table.setChain(name, spec ? renderPolicyChain(spec.rules, spec.direction, family) : []);
        }
      }
      for (const name of table.chainNames()) {
        if (/^pal-[pc][io]-/.test(name) && !policyChains.has(name)) table.deleteChain(name);
      }
      for (const k of this.dirtyEndpoints) this.renderEndpoint(table, k, nflogGroup);
    }
    this.dirtyPolicies.clear();
    this.dirtyEndpoints.clear();
    this.dispatchDirty = false;
  }

  /** Both dispatch trees; the Table rewrites only the chains whose content changed. */
  private renderDispatch(table: Table): void {
    const eps = [...this.endpoints.values()];
    const wanted = new Set<string>();
    for (const direction of DIRECTIONS) {
      for (const [name, rules] of renderDispatchTree(direction, eps, table.family)) {
        table.setChain(name, rules);
        wanted.add(name);
      }
    }
    for (const name of table.chainNames()) {
      if (/^pal-d[tf]-/.test(name) && !wanted.has(name)) table.deleteChain(name);
    }
  }

  private renderEndpoint(table: Table, k: string, nflogGroup: number): void {
    const ep = this.endpoints.get(k);
    const [namespace = '', name = ''] = k.split('/');
    for (const direction of DIRECTIONS) {
      const chain = endpointChain(direction, ep?.endpoint ?? { namespace, name });
      if (!ep) {
        table.deleteChain(chain);
        continue;
      }
      const spec = direction === 'ingress' ? ep.ingress : ep.egress;
      table.setChain(
        chain,
        renderEndpointChain({
          direction,
          chain,
          spec,
          nflogGroup,
          noPickup: this.opts.revokeConnections === true,
        }),
      );
    }
  }

  /** Policy chains to exist: every policy direction calc sent, plus any an endpoint jumps to. */
  private policyChainsWanted(): Map<string, { rules: RuleSpec[]; direction: Direction } | null> {
    const out = new Map<string, { rules: RuleSpec[]; direction: Direction } | null>();
    for (const p of this.policies.values()) {
      if (p.inbound)
        out.set(policyChain('ingress', p.policy), { rules: p.inbound, direction: 'ingress' });
      if (p.outbound)
        out.set(policyChain('egress', p.policy), { rules: p.outbound, direction: 'egress' });
    }
    for (const ep of this.endpoints.values()) {
      for (const direction of DIRECTIONS) {
        const spec = direction === 'ingress' ? ep.ingress : ep.egress;
        const refs = [...(spec.admin ?? []), ...(spec.isolated ? spec.policies : [])];
        for (const p of [...refs, ...(spec.isolated ? [] : (spec.baseline ?? []))]) {
          const name = policyChain(direction, p);
          if (out.has(name)) continue;
          out.set(name, null);
          if (!this.placeholders.has(name)) {
            this.placeholders.add(name);
            this.logger.warn('endpoint references a policy without rules, it allows nothing', {
              policy: key(p),
              pod: key(ep.endpoint),
              chain: name,
            });
          }
        }
      }
    }
    for (const name of this.placeholders)
      if (out.get(name) !== null) this.placeholders.delete(name);
    return out;
  }
}

function key(ref: { namespace: string; name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

/**
 * Like Promise.all, but waits for every promise before throwing the first error: the
 * caller may retry as soon as apply() fails, and must not meet a write still running.
 */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function retryOpt(retry: RetryOptions | undefined): { retry?: RetryOptions } {
  return retry ? { retry } : {};
}
