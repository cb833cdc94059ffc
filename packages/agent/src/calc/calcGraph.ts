/**
 * CalcGraph: the node agent's pure calculation graph, from model objects to dataplane
 * messages.
 *
 *   onUpdate ─▶ LabelIndex ─▶ ActivePolicyCalculator ─▶ PolicyRulesCalculator ─▶ IpSetCalculator
 *                    │                   └────────────▶ PolicyResolver                 │
 *                    └──────────────────────────────────────────────────────────────────┘
 *                                 all of them ─▶ EventSequencer ─▶ flush(): CalcMessage[]
 *
 * Index work happens as updates arrive; policy scans and endpoint resolution wait for
 * flush() so they see the final state of a batch. No I/O, no timers, nothing thrown:
 * the only output is the message list.
 */
import {
  canonicalIpText,
  type ClusterPolicy,
  type Endpoint,
  type Namespace,
  type Policy,
} from '@palisade/model';
import type { CalcMessage, DirectionSpec, ObjectRef } from '../messages.js';
import { ActivePolicyCalculator } from './activePolicyCalculator.js';
import { clusterPolicyAsPolicy, clusterPolicyRef } from './clusterPolicyInput.js';
import { EventSequencer } from './eventSequencer.js';
import { IpSetCalculator } from './ipSetCalculator.js';
import { LabelIndex, refKey, type IndexedEndpoint } from './labelIndex.js';
import { UNREADABLE } from './labelIndex.js';
import { PolicyResolver } from './policyResolver.js';
import { PolicyRulesCalculator } from './policyRulesCalculator.js';
import { SelectorCache } from './selectorCache.js';

export type CalcInput =
  | { kind: 'policy'; ref: ObjectRef; value: Policy | null }
  | { kind: 'clusterPolicy'; name: string; value: ClusterPolicy | null }
  | { kind: 'endpoint'; ref: ObjectRef; value: Endpoint | null }
  /** `unreadable`: the namespace exists but its labels cannot be read (value is null). */
  | { kind: 'namespace'; name: string; value: Namespace | null; unreadable?: boolean };

/**
 * An IP that several endpoints claim (issue 10). `local`: at least two of them are on
 * this node, where the dataplane enforces the union of their isolation. Otherwise the
 * claim only reaches the peer ipsets, where the IP matches the selectors of every
 * claimant (see docs/dataplane.md, "Trust in pod IPs").
 */
export interface IpConflict {
  ip: string;
  /** `namespace/name`, sorted. */
  endpoints: string[];
  local: boolean;
}

export interface CalcStats {
  endpoints: number;
  localEndpoints: number;
  policies: number;
  activePolicies: number;
  ipsets: number;
}

export class CalcGraph {
  private readonly nodeName: string;
  private readonly labels = new LabelIndex();
  private readonly sequencer = new EventSequencer();
  private readonly ipsets: IpSetCalculator;
  private readonly rules: PolicyRulesCalculator;
  private readonly active: ActivePolicyCalculator;
  private readonly resolver: PolicyResolver;
  private readonly selectors = new SelectorCache();
  private readonly local = new Set<string>();
  /**
   * ip → the endpoint holding it, or the set of them (two, briefly, while a pod is
   * replaced). One holder is kept as the bare key: a Set per IP was ~100 bytes per pod.
   */
  private readonly byIp = new Map<string, string | Set<string>>();
  /** IPs of byIp with two holders or more, kept as they change (no scan per flush). */
  private readonly sharedIps = new Set<string>();

  constructor(opts: { nodeName: string }) {
    this.nodeName = opts.nodeName;
    const { labels, sequencer, selectors } = this;
    this.ipsets = new IpSetCalculator({ labels, sequencer });
    this.rules = new PolicyRulesCalculator({ ipsets: this.ipsets, sequencer, selectors });
    this.active = new ActivePolicyCalculator({
      nodeName: this.nodeName,
      labels,
      selectors,
      listener: {
        onActivePolicy: (ref, policy) => this.rules.onActivePolicy(ref, policy),
        onEndpointPoliciesChanged: (key) => this.resolver.markDirty(key),
      },
    });
    this.resolver = new PolicyResolver({
      nodeName: this.nodeName,
      labels,
      active: this.active,
      sequencer,
    });
  }

  onUpdate(input: CalcInput): void {
    switch (input.kind) {
      case 'policy':
        this.active.setPolicy(input.ref, input.value);
        return;
      case 'clusterPolicy':
        this.active.setPolicy(
          clusterPolicyRef(input.name),
          input.value && clusterPolicyAsPolicy(input.value, this.selectors),
        );
        return;
      case 'namespace':
        this.labels.setNamespace(
          input.name,
          input.unreadable === true ? UNREADABLE : (input.value?.spec.labels ?? null),
        );
        return;
      case 'endpoint':
        this.updateEndpoint(input.ref, input.value);
        return;
    }
  }

  flush(): CalcMessage[] {
    this.rules.flush();
    this.resolver.flush();
    return this.sequencer.flush();
  }

  stats(): CalcStats {
    return {
      endpoints: this.labels.size,
      localEndpoints: this.local.size,
      policies: this.active.size,
      activePolicies: this.active.activeCount,
      ipsets: this.ipsets.size,
    };
  }

  /** IPs claimed by several endpoints, sorted by IP. */
  ipConflicts(): IpConflict[] {
    const out: IpConflict[] = [];
    for (const ip of this.sharedIps) {
      const keys = holdersOf(this.byIp.get(ip)).sort();
      const local = keys.filter((k) => this.local.has(k)).length >= 2;
      out.push({ ip, endpoints: keys, local });
    }
    return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  }

  describeIp(ip: string): { namespace: string; name: string; node: string } | null {
    for (const key of holdersOf(this.byIp.get(canonicalIpText(ip)))) {
      const ep = this.labels.get(key);
      if (ep) return { namespace: ep.ref.namespace, name: ep.ref.name, node: ep.node };
    }
    return null;
  }

  policiesFor(ref: ObjectRef): { ingress: ObjectRef[]; egress: ObjectRef[] } | null {
    const resolved = this.resolver.resolve(refKey(ref));
    const all = (d: DirectionSpec): ObjectRef[] => [
      ...(d.admin ?? []),
      ...d.policies,
      ...(d.baseline ?? []),
    ];
    return resolved && { ingress: all(resolved.ingress), egress: all(resolved.egress) };
  }

  private updateEndpoint(ref: ObjectRef, value: Endpoint | null): void {
    const key = refKey(ref);
    const prev = this.labels.get(key);
    this.labels.setEndpoint(ref, value);
    const cur = this.labels.get(key);
    if (prev === cur) return;
    this.reindexIps(key, prev, cur);
    const wasLocal = prev?.node === this.nodeName;
    const isLocal = cur?.node === this.nodeName;
    if (isLocal) this.local.add(key);
    else this.local.delete(key);
    if (wasLocal || isLocal)
      this.resolver.markDirty(key, { namespace: ref.namespace, name: ref.name });
  }

  private reindexIps(
    key: string,
    prev: IndexedEndpoint | undefined,
    cur: IndexedEndpoint | undefined,
  ): void {
    // Keyed by canonical text: one address spelt two ways is still one claim.
    for (const ip of canonicalIps(prev)) {
      const holders = this.byIp.get(ip);
      if (holders === key) this.byIp.delete(ip);
      if (typeof holders !== 'object' || !holders.delete(key)) continue;
      if (holders.size >= 2) continue;
      this.sharedIps.delete(ip);
      const [last] = holders;
      if (last === undefined) this.byIp.delete(ip);
      else this.byIp.set(ip, last);
    }
    for (const ip of canonicalIps(cur)) {
      const holders = this.byIp.get(ip);
      if (holders === undefined) this.byIp.set(ip, key);
      else if (typeof holders === 'object') holders.add(key);
      else if (holders !== key) {
        this.byIp.set(ip, new Set([holders, key]));
        this.sharedIps.add(ip);
      }
    }
  }
}

function holdersOf(holders: string | Set<string> | undefined): string[] {
  return holders === undefined ? [] : typeof holders === 'string' ? [holders] : [...holders];
}

function canonicalIps(ep: IndexedEndpoint | undefined): string[] {
  return (ep?.ips ?? []).map((ip) => canonicalIpText(ip));
}
