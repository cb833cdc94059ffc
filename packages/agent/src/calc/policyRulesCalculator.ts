/**
 * PolicyRulesCalculator: the rules of the active policies, and the references they
 * hold on ipsets.
 *
 * Activity changes are only recorded as they happen and resolved at flush time with
 * the final state, so a policy that flaps within one batch is scanned at most once.
 * On a rescan the new sets are referenced before the old ones are released, so a set
 * both versions use never drops to zero references (which would re-create it).
 */
import type { Policy } from '@palisade/model';
import type { ObjectRef } from '../messages.js';
import type { EventSequencer } from './eventSequencer.js';
import type { IpSetCalculator } from './ipSetCalculator.js';
import type { IpSetDef } from './ipSetDefs.js';
import { refKey } from './labelIndex.js';
import type { SelectorCache } from './selectorCache.js';
import { scanPolicy } from './scanPolicy.js';

export class PolicyRulesCalculator {
  private readonly pending = new Map<string, { ref: ObjectRef; policy: Policy | null }>();
  /** Active policies as last scanned, with the sets they reference. */
  private readonly scanned = new Map<string, Map<string, IpSetDef>>();

  constructor(
    private readonly deps: {
      ipsets: IpSetCalculator;
      sequencer: EventSequencer;
      selectors: SelectorCache;
    },
  ) {}

  get activeCount(): number {
    return this.scanned.size;
  }

  /** `policy` null: no longer active (or gone). */
  onActivePolicy(ref: ObjectRef, policy: Policy | null): void {
    this.pending.set(refKey(ref), { ref, policy });
  }

  flush(): void {
    for (const [key, { ref, policy }] of this.pending) {
      const old = this.scanned.get(key);
      if (policy === null) {
        if (!old) continue;
        this.scanned.delete(key);
        old.forEach((def) => this.deps.ipsets.unref(def));
        this.deps.sequencer.policyRemoved(ref);
        continue;
      }
      const scan = scanPolicy(policy, this.deps.selectors);
      scan.sets.forEach((def) => this.deps.ipsets.ref(def));
      old?.forEach((def) => this.deps.ipsets.unref(def));
      this.scanned.set(key, scan.sets);
      this.deps.sequencer.policyUpdated(ref, { inbound: scan.inbound, outbound: scan.outbound });
    }
    this.pending.clear();
  }
}
