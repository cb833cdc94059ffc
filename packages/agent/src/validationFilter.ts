/**
 * ValidationFilter: turns raw syncer updates into calc-graph inputs, and contains
 * every value it cannot read so that access is never widened.
 *
 * Guarantees (see docs/agent.md, "Invalid values"):
 *  - Keys outside the kinds the calc graph consumes (agent statuses, the controller's
 *    leader key, anything unparsable) are ignored without a report.
 *  - Fields this version does not know are ignored (the model is versioned by
 *    apiVersion; see model/decode.ts), so a newer controller never blinds older agents.
 *  - An unreadable POLICY becomes a policy that selects every endpoint of its
 *    namespace, with types [Ingress, Egress] and no rules. It isolates at least what
 *    the real policy could have selected (a namespaced policy only ever selects pods
 *    of its own namespace) and allows nothing.
 *  - An unreadable ENDPOINT on another node is removed: an endpoint we cannot read
 *    cannot be admitted as a peer (with Allow-only rules, dropping a peer narrows).
 *  - An unreadable ENDPOINT on this node keeps its last good value: its chains,
 *    isolation and memberships stay exactly as last programmed. Removing it would stop
 *    policing its IP (dispatch is by IP), which would widen access. Last good values
 *    are persisted (LastGoodStore), so this holds across agent restarts. With no good
 *    value known, the IPs the value still names are QUARANTINED: a stand-in endpoint
 *    that a stand-in policy isolates in both directions with no allows.
 *  - An unreadable NAMESPACE has unknown labels: it matches no namespace selector,
 *    positive or negative (LabelIndex, three-valued), and a policy of that namespace
 *    whose own selector reads namespace labels isolates its whole namespace instead
 *    (it cannot be known which of its pods it selects).
 *  - An unreadable CLUSTER POLICY becomes an Admin-tier policy at priority 0 that
 *    selects every endpoint and denies both directions (denyAllClusterPolicy, shared
 *    with palisadectl). A readable cluster policy whose selectors read namespace labels
 *    is rewritten while some namespace is unreadable (containClusterPolicy): a Deny
 *    matches on unknown, an Accept only on true, an unknown Pass denies. That rewrite
 *    depends on the whole set of unreadable namespaces, so every such policy is
 *    re-sent whenever a namespace becomes unreadable or readable again.
 *  - Each invalid key is logged (warn), counted (onInvalid), and listed in
 *    invalidKeys() until it is deleted or becomes valid again.
 */
import type { Logger } from '@palisade/common';
import {
  clusterPolicyReadsNamespaceLabels,
  companionName,
  containClusterPolicy,
  denyAllClusterPolicy,
  isolatingPolicy,
  parseKey,
  type ClusterPolicy,
  type Endpoint,
  type Namespace,
  type ParsedKey,
  type Policy,
} from '@palisade/model';
import type { SyncUpdate } from '@palisade/datastore';
import type { CalcInput } from './calc/index.js';
import {
  QUARANTINE_LABEL,
  decode,
  quarantinePolicyName,
  quarantinedEndpoint,
  salvageIps,
  subjectReadsNamespaceLabels,
} from './storedValues.js';

export { decode } from './storedValues.js';
export { isolatingPolicy } from '@palisade/model';

export type ConsumedKind = 'policy' | 'clusterPolicy' | 'endpoint' | 'namespace';

/** Where the last good value of each local endpoint survives an agent restart. */
export interface LastGoodStore {
  /** The values saved by an earlier run, by key. */
  load(): ReadonlyMap<string, Endpoint>;
  /** Records (or, with null, forgets) one key's last good value. */
  set(key: string, value: Endpoint | null): void;
}

export interface ValidationFilterOptions {
  nodeName: string;
  logger: Logger;
  /** Called once per invalid value seen (for the invalid-values counter). */
  onInvalid?: (kind: ConsumedKind, key: string) => void;
  lastGood?: LastGoodStore;
}

type Consumed = Extract<ParsedKey, { kind: ConsumedKind }>;
type PolicyKey = Extract<ParsedKey, { kind: 'policy' }>;

export class ValidationFilter {
  private readonly invalid = new Map<string, string>();
  /** Last good value of each local endpoint, by key. */
  private readonly lastGoodLocal = new Map<string, Endpoint>();
  /** Local endpoint keys currently quarantined. */
  private readonly quarantined = new Set<string>();
  /** Namespaces whose stored value cannot be read. */
  private readonly unreadableNs = new Set<string>();
  /** Readable policies whose own selector reads namespace labels, by key. */
  private readonly nsLabelPolicies = new Map<string, { parsed: PolicyKey; value: Policy }>();
  /** Readable cluster policies with a selector that reads namespace labels, by name. */
  private readonly nsLabelClusterPolicies = new Map<string, ClusterPolicy>();
  /** Cluster policies whose companion the calc graph holds, by name. */
  private readonly companions = new Set<string>();

  constructor(private readonly opts: ValidationFilterOptions) {
    for (const [key, value] of opts.lastGood?.load() ?? []) {
      const parsed = parseKey(key);
      if (parsed?.kind === 'endpoint' && parsed.node === opts.nodeName)
        this.lastGoodLocal.set(key, value);
    }
  }

  /** Invalid keys currently contained, key → message (for the agent status). */
  invalidKeys(): Record<string, string> {
    return Object.fromEntries([...this.invalid].sort(([a], [b]) => a.localeCompare(b)));
  }

  filter(updates: readonly SyncUpdate[]): CalcInput[] {
    const out: CalcInput[] = [];
    for (const u of updates) {
      const parsed = parseKey(u.key);
      if (!parsed || !isConsumed(parsed)) continue;
      out.push(...this.one(u.key, parsed, u.value));
    }
    return out;
  }

  private one(key: string, parsed: Consumed, raw: string | null): CalcInput[] {
    const decoded = raw === null ? null : decode(key, raw);
    if (decoded !== null && !decoded.ok) {
      this.report(key, parsed.kind, decoded.error);
      return this.contain(key, parsed, raw ?? '');
    }
    this.invalid.delete(key);
    const value = decoded?.value ?? null;
    if (decoded && decoded.ignored.length > 0)
      this.opts.logger.debug('ignored fields this version does not know', {
        key,
        fields: decoded.ignored,
      });
    switch (parsed.kind) {
      case 'policy':
        return [this.policyInput(key, parsed, value as Policy | null)];
      case 'clusterPolicy':
        return this.clusterPolicyInputs(parsed.name, value as ClusterPolicy | null);
      case 'namespace':
        return this.namespaceInputs(parsed.name, value as Namespace | null, false);
      case 'endpoint': {
        const out = this.releaseQuarantine(key, parsed);
        if (parsed.node === this.opts.nodeName) this.rememberLocal(key, value as Endpoint | null);
        out.push(endpointInput(parsed, value as Endpoint | null));
        return out;
      }
    }
  }

  private contain(key: string, parsed: Consumed, raw: string): CalcInput[] {
    switch (parsed.kind) {
      case 'policy':
        this.nsLabelPolicies.delete(key);
        return [
          policyRef(
            parsed,
            isolatingPolicy(parsed.namespace, parsed.name, this.invalid.get(key) ?? ''),
          ),
        ];
      case 'clusterPolicy':
        this.nsLabelClusterPolicies.delete(parsed.name);
        return this.clusterInputs(
          parsed.name,
          denyAllClusterPolicy(parsed.name, this.invalid.get(key) ?? ''),
          null,
        );
      case 'namespace':
        return this.namespaceInputs(parsed.name, null, true);
      case 'endpoint': {
        if (parsed.node !== this.opts.nodeName) return [endpointInput(parsed, null)];
        const last = this.lastGoodLocal.get(key);
        // Keep what is programmed: the last good value, even from an earlier run.
        if (last) return [...this.releaseQuarantine(key, parsed), endpointInput(parsed, last)];
        return this.quarantine(key, parsed, salvageIps(raw));
      }
    }
  }

  /** A readable policy, or its isolating stand-in while its namespace's labels are unknown. */
  private policyInput(key: string, parsed: PolicyKey, value: Policy | null): CalcInput {
    if (value !== null && subjectReadsNamespaceLabels(value))
      this.nsLabelPolicies.set(key, { parsed, value });
    else this.nsLabelPolicies.delete(key);
    if (value !== null && this.unreadableNs.has(parsed.namespace) && this.nsLabelPolicies.has(key))
      return policyRef(
        parsed,
        isolatingPolicy(
          parsed.namespace,
          parsed.name,
          `namespace ${parsed.namespace} cannot be read and spec.selector reads its labels`,
        ),
      );
    return policyRef(parsed, value);
  }

  /** A readable cluster policy (or its deletion), contained for unknown namespace labels. */
  private clusterPolicyInputs(name: string, value: ClusterPolicy | null): CalcInput[] {
    if (value !== null && clusterPolicyReadsNamespaceLabels(value))
      this.nsLabelClusterPolicies.set(name, value);
    else this.nsLabelClusterPolicies.delete(name);
    if (value === null) return this.clusterInputs(name, null, null);
    const { policy, companion } = containClusterPolicy(value, this.unreadableNs);
    return this.clusterInputs(name, policy, companion);
  }

  /** The policy, and its companion when there is one now or was one before. */
  private clusterInputs(
    name: string,
    value: ClusterPolicy | null,
    companion: ClusterPolicy | null,
  ): CalcInput[] {
    const out: CalcInput[] = [{ kind: 'clusterPolicy', name, value }];
    const had = this.companions.has(name);
    if (companion !== null) this.companions.add(name);
    else this.companions.delete(name);
    if (companion !== null || had)
      out.push({ kind: 'clusterPolicy', name: companionName(name), value: companion });
    return out;
  }

  private namespaceInputs(name: string, value: Namespace | null, unreadable: boolean): CalcInput[] {
    const changed = unreadable !== this.unreadableNs.has(name);
    if (unreadable) this.unreadableNs.add(name);
    else this.unreadableNs.delete(name);
    const out: CalcInput[] = [
      unreadable
        ? { kind: 'namespace', name, value: null, unreadable: true }
        : { kind: 'namespace', name, value },
    ];
    if (!changed) return out;
    for (const [key, { parsed, value: policy }] of [...this.nsLabelPolicies])
      if (parsed.namespace === name) out.push(this.policyInput(key, parsed, policy));
    for (const [cpName, cp] of [...this.nsLabelClusterPolicies])
      out.push(...this.clusterPolicyInputs(cpName, cp));
    return out;
  }

  private rememberLocal(key: string, value: Endpoint | null): void {
    if (value === null) this.lastGoodLocal.delete(key);
    else this.lastGoodLocal.set(key, value);
    this.opts.lastGood?.set(key, value);
  }

  private quarantine(
    key: string,
    parsed: Extract<Consumed, { kind: 'endpoint' }>,
    ips: string[],
  ): CalcInput[] {
    // With no IP known there is nothing to police; the key is reported as invalid.
    if (ips.length === 0) return this.releaseQuarantine(key, parsed);
    this.quarantined.add(key);
    const ref = { namespace: parsed.namespace, name: parsed.name };
    const policy = isolatingPolicy(
      parsed.namespace,
      quarantinePolicyName(parsed.name),
      `endpoint ${parsed.namespace}/${parsed.name} cannot be read; its IPs are denied`,
      `${QUARANTINE_LABEL} == '${parsed.name}'`,
    );
    return [
      {
        kind: 'policy',
        ref: { namespace: parsed.namespace, name: policy.metadata.name },
        value: policy,
      },
      { kind: 'endpoint', ref, value: quarantinedEndpoint(ref, parsed.node, ips) },
    ];
  }

  private releaseQuarantine(
    key: string,
    parsed: Extract<Consumed, { kind: 'endpoint' }>,
  ): CalcInput[] {
    if (!this.quarantined.delete(key)) return [];
    const ref = { namespace: parsed.namespace, name: quarantinePolicyName(parsed.name) };
    return [{ kind: 'policy', ref, value: null }];
  }

  private report(key: string, kind: ConsumedKind, error: string): void {
    this.invalid.set(key, error);
    this.opts.logger.warn('invalid value in etcd; contained without widening access', {
      key,
      kind,
      err: error,
    });
    this.opts.onInvalid?.(kind, key);
  }
}

function isConsumed(k: ParsedKey): k is Consumed {
  return (
    k.kind === 'policy' ||
    k.kind === 'clusterPolicy' ||
    k.kind === 'endpoint' ||
    k.kind === 'namespace'
  );
}

function policyRef(parsed: PolicyKey, value: Policy | null): CalcInput {
  return { kind: 'policy', ref: { namespace: parsed.namespace, name: parsed.name }, value };
}

function endpointInput(
  parsed: Extract<Consumed, { kind: 'endpoint' }>,
  value: Endpoint | null,
): CalcInput {
  return { kind: 'endpoint', ref: { namespace: parsed.namespace, name: parsed.name }, value };
}
