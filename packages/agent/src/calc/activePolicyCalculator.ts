/**
 * ActivePolicyCalculator: which policies select at least one endpoint on this node.
 *
 * Activity is a property of the policy's (canonical) selector, so policies sharing a
 * selector share one registration with the LabelIndex and one count of local matches:
 * when that count leaves or reaches zero, all of them turn active or inactive. Only
 * active policies are scanned into rules and ipsets, which keeps a node's dataplane
 * proportional to what its own workloads need.
 *
 * It also tells the listener which local endpoints may have a different policy list:
 * those matched by a policy that appeared, changed or went away.
 */
import type { ObjectRef } from '../messages.js';
import type { CalcPolicy } from './clusterPolicyInput.js';
import {
  refKey,
  type IndexedEndpoint,
  type LabelIndex,
  type SelectorConsumer,
} from './labelIndex.js';
import type { ParsedSelector, SelectorCache } from './selectorCache.js';

export interface ActivePolicyListener {
  /** The policy is active with this value; null: inactive or gone. Repeats are harmless. */
  onActivePolicy(ref: ObjectRef, policy: CalcPolicy | null): void;
  /** This local endpoint's policy list may have changed. */
  onEndpointPoliciesChanged(key: string): void;
}

export interface PolicyRecord {
  readonly ref: ObjectRef;
  readonly policy: CalcPolicy;
  readonly selector: string;
  readonly fingerprint: string;
}

interface SelectorEntry {
  policies: Set<string>;
  /** Local endpoints the selector matches. */
  local: Set<string>;
}

export class ActivePolicyCalculator implements SelectorConsumer {
  private readonly policies = new Map<string, PolicyRecord>();
  private readonly bySelector = new Map<string, SelectorEntry>();

  constructor(
    private readonly deps: {
      nodeName: string;
      labels: LabelIndex;
      selectors: SelectorCache;
      listener: ActivePolicyListener;
    },
  ) {}

  get size(): number {
    return this.policies.size;
  }

  get activeCount(): number {
    let n = 0;
    for (const entry of this.bySelector.values())
      if (entry.local.size > 0) n += entry.policies.size;
    return n;
  }

  /** The policies (active by construction) whose selectors are among `selectors`. */
  policiesFor(selectors: Iterable<string>): PolicyRecord[] {
    const out: PolicyRecord[] = [];
    for (const text of selectors) {
      for (const key of this.bySelector.get(text)?.policies ?? []) {
        const rec = this.policies.get(key);
        if (rec) out.push(rec);
      }
    }
    return out;
  }

  setPolicy(ref: ObjectRef, value: CalcPolicy | null): void {
    const key = refKey(ref);
    const old = this.policies.get(key);
    const fingerprint = value === null ? '' : JSON.stringify(value.spec);
    if (value !== null && old?.fingerprint === fingerprint) return;
    if (value === null && !old) return;

    const oldLocal = old ? [...(this.bySelector.get(old.selector)?.local ?? [])] : [];
    const wasActive = oldLocal.length > 0;
    const selector = value === null ? null : this.deps.selectors.policySelector(value);
    if (old && old.selector !== selector?.text) this.detach(key, old.selector);

    let isActive = false;
    if (value !== null && selector !== null) {
      const rec: PolicyRecord = {
        ref: { ...ref },
        policy: value,
        selector: selector.text,
        fingerprint,
      };
      this.policies.set(key, rec);
      this.attach(key, selector);
      const entry = this.bySelector.get(selector.text);
      isActive = (entry?.local.size ?? 0) > 0;
      entry?.local.forEach((ep) => this.deps.listener.onEndpointPoliciesChanged(ep));
    } else {
      this.policies.delete(key);
    }
    if (isActive) this.deps.listener.onActivePolicy(ref, value);
    else if (wasActive) this.deps.listener.onActivePolicy(ref, null);
    oldLocal.forEach((ep) => this.deps.listener.onEndpointPoliciesChanged(ep));
  }

  matchStarted(selector: string, ep: IndexedEndpoint): void {
    if (ep.node !== this.deps.nodeName) return;
    const entry = this.bySelector.get(selector);
    if (!entry || entry.local.has(ep.key)) return;
    entry.local.add(ep.key);
    if (entry.local.size === 1) this.announce(entry, true);
    this.deps.listener.onEndpointPoliciesChanged(ep.key);
  }

  matchUpdated(selector: string, prev: IndexedEndpoint, cur: IndexedEndpoint): void {
    const node = this.deps.nodeName;
    if (prev.node === node && cur.node !== node) this.matchStopped(selector, prev);
    else if (prev.node !== node && cur.node === node) this.matchStarted(selector, cur);
  }

  matchStopped(selector: string, ep: IndexedEndpoint): void {
    const entry = this.bySelector.get(selector);
    if (!entry?.local.delete(ep.key)) return;
    if (entry.local.size === 0) this.announce(entry, false);
    this.deps.listener.onEndpointPoliciesChanged(ep.key);
  }

  private announce(entry: SelectorEntry, active: boolean): void {
    for (const key of entry.policies) {
      const rec = this.policies.get(key);
      if (rec) this.deps.listener.onActivePolicy(rec.ref, active ? rec.policy : null);
    }
  }

  /** Registering a new selector replays its matches, which may announce activation. */
  private attach(key: string, selector: ParsedSelector): void {
    const existing = this.bySelector.get(selector.text);
    if (existing) {
      existing.policies.add(key);
      return;
    }
    this.bySelector.set(selector.text, { policies: new Set([key]), local: new Set() });
    this.deps.labels.addSelector(selector, this);
  }

  private detach(key: string, selector: string): void {
    const entry = this.bySelector.get(selector);
    if (!entry?.policies.delete(key) || entry.policies.size > 0) return;
    this.bySelector.delete(selector);
    this.deps.labels.removeSelector(selector, this);
  }
}
