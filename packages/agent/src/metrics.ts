/**
 * The agent's Prometheus metrics. One instance per process, on its own registry
 * (with Node's default metrics under `palisade_agent_`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '@palisade/common';

export interface ApplyStats {
  iptablesRestoreCalls: number;
  ipsetCalls: number;
  durationMs: number;
}

export class AgentMetrics {
  readonly registry: Registry;
  readonly applyDuration: Histogram;
  readonly applyErrors: Counter;
  readonly iptablesRestoreCalls: Counter;
  readonly ipsetCalls: Counter;
  readonly endpoints: Gauge<'scope'>;
  readonly policies: Gauge;
  readonly inSync: Gauge;
  readonly invalidValues: Counter<'kind'>;
  readonly blockedConnections: Counter<'namespace' | 'pod' | 'direction'>;
  readonly blockedLogSuppressed: Counter;
  readonly clobberedChains: Counter;
  readonly revokedConnections: Counter;
  readonly revokeChecks: Counter;
  readonly ipConflicts: Gauge<'scope'>;

  constructor(registry: Registry = createRegistry('palisade_agent')) {
    this.registry = registry;
    const registers = [registry];
    this.applyDuration = new Histogram({
      name: 'palisade_agent_apply_duration_seconds',
      help: 'Time to program one batch of changes into iptables and ipsets',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.applyErrors = new Counter({
      name: 'palisade_agent_apply_errors_total',
      help: 'Applies that failed (iptables-restore or ipset returned an error)',
      registers,
    });
    this.iptablesRestoreCalls = new Counter({
      name: 'palisade_agent_iptables_restore_calls_total',
      help: 'iptables-restore invocations',
      registers,
    });
    this.ipsetCalls = new Counter({
      name: 'palisade_agent_ipset_calls_total',
      help: 'ipset invocations',
      registers,
    });
    this.endpoints = new Gauge({
      name: 'palisade_agent_endpoints',
      help: 'Endpoints known to the agent (scope="cluster") and on this node (scope="local")',
      labelNames: ['scope'],
      registers,
    });
    this.policies = new Gauge({
      name: 'palisade_agent_policies',
      help: 'Policies known to the agent',
      registers,
    });
    this.inSync = new Gauge({
      name: 'palisade_agent_in_sync',
      help: '1 when the agent is in sync with etcd and has programmed that state',
      registers,
    });
    this.invalidValues = new Counter({
      name: 'palisade_agent_invalid_values_total',
      help: 'Invalid values read from etcd (contained without widening access)',
      labelNames: ['kind'],
      registers,
    });
    this.blockedConnections = new Counter({
      name: 'palisade_blocked_connections_total',
      help: 'Connections dropped by policy (as logged through NFLOG, subject to its rate limit)',
      labelNames: ['namespace', 'pod', 'direction'],
      registers,
    });
    this.blockedLogSuppressed = new Counter({
      name: 'palisade_agent_blocked_log_suppressed_total',
      help: 'Blocked-connection log lines not written because of the log rate limit',
      registers,
    });
    this.clobberedChains = new Counter({
      name: 'palisade_agent_clobbered_chains_total',
      help: 'Palisade chains found changed by someone else on resync (and repaired)',
      registers,
    });
    this.ipConflicts = new Gauge({
      name: 'palisade_agent_ip_conflicts',
      help: 'IPs claimed by several endpoints: scope="local" when two are on this node, else "cluster"',
      labelNames: ['scope'],
      registers,
    });
    this.revokedConnections = new Counter({
      name: 'palisade_agent_revoked_connections_total',
      help: 'Conntrack entries deleted because a policy change revoked the connection (--revoke-connections)',
      registers,
    });
    this.revokeChecks = new Counter({
      name: 'palisade_agent_revoke_checks_total',
      help: 'Conntrack tables checked for revoked connections after an apply (--revoke-connections)',
      registers,
    });
    this.ipConflicts.set({ scope: 'local' }, 0);
    this.ipConflicts.set({ scope: 'cluster' }, 0);
    this.inSync.set(0);
  }

  recordApply(stats: ApplyStats): void {
    this.applyDuration.observe(stats.durationMs / 1000);
    this.iptablesRestoreCalls.inc(stats.iptablesRestoreCalls);
    this.ipsetCalls.inc(stats.ipsetCalls);
  }

  setCounts(c: { endpoints: number; localEndpoints: number; policies: number }): void {
    this.endpoints.set({ scope: 'cluster' }, c.endpoints);
    this.endpoints.set({ scope: 'local' }, c.localEndpoints);
    this.policies.set(c.policies);
  }
}
