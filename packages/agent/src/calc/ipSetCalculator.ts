/**
 * IpSetCalculator: the live ipsets and their members.
 *
 * Sets are reference-counted by the rules that use them, so identical selectors (or
 * CIDR blocks, or named ports) across rules and policies share one set, and a set
 * goes away only when its last rule does. Members are counted too: two endpoints can
 * briefly hold the same IP while a pod is replaced, and the member must stay until
 * neither does. Only 0↔1 transitions reach the sequencer.
 *
 * Selector-backed sets register their selector with the LabelIndex once per distinct
 * selector (however many sets hang off it) and follow its match events.
 */
import type { EventSequencer } from './eventSequencer.js';
import { contributions, ipSetIdOf, ipSetKey, type IpSetDef } from './ipSetDefs.js';
import type { IndexedEndpoint, LabelIndex, SelectorConsumer } from './labelIndex.js';

interface SetRecord {
  def: IpSetDef;
  refs: number;
  counts: Map<string, number>;
}

export class IpSetCalculator implements SelectorConsumer {
  private readonly sets = new Map<string, SetRecord>();
  /** selector text → keys of the sets built from it */
  private readonly bySelector = new Map<string, Set<string>>();

  constructor(private readonly deps: { labels: LabelIndex; sequencer: EventSequencer }) {}

  get size(): number {
    return this.sets.size;
  }

  ref(def: IpSetDef): void {
    const key = ipSetKey(ipSetIdOf(def));
    const existing = this.sets.get(key);
    if (existing) {
      existing.refs++;
      return;
    }
    const rec: SetRecord = { def, refs: 1, counts: new Map() };
    this.sets.set(key, rec);
    this.deps.sequencer.setCreated(ipSetIdOf(def));
    if (def.kind === 'c') {
      def.members.forEach((m) => this.add(rec, m));
      return;
    }
    const text = def.selector.text;
    const siblings = this.bySelector.get(text);
    if (siblings) {
      siblings.add(key);
      for (const ep of this.deps.labels.matching(text))
        contributions(def, ep).forEach((m) => this.add(rec, m));
    } else {
      this.bySelector.set(text, new Set([key]));
      // Replays the current matches through matchStarted.
      this.deps.labels.addSelector(def.selector, this);
    }
  }

  unref(def: IpSetDef): void {
    const id = ipSetIdOf(def);
    const key = ipSetKey(id);
    const rec = this.sets.get(key);
    if (!rec || --rec.refs > 0) return;
    this.sets.delete(key);
    this.deps.sequencer.setRemoved(id);
    if (def.kind === 'c') return;
    const text = def.selector.text;
    const siblings = this.bySelector.get(text);
    if (siblings?.delete(key) && siblings.size === 0) {
      this.bySelector.delete(text);
      this.deps.labels.removeSelector(text, this);
    }
  }

  matchStarted(selector: string, ep: IndexedEndpoint): void {
    this.forSets(selector, (rec) => contributions(rec.def, ep).forEach((m) => this.add(rec, m)));
  }

  matchUpdated(selector: string, prev: IndexedEndpoint, cur: IndexedEndpoint): void {
    this.forSets(selector, (rec) => {
      contributions(rec.def, cur).forEach((m) => this.add(rec, m));
      contributions(rec.def, prev).forEach((m) => this.remove(rec, m));
    });
  }

  matchStopped(selector: string, ep: IndexedEndpoint): void {
    this.forSets(selector, (rec) => contributions(rec.def, ep).forEach((m) => this.remove(rec, m)));
  }

  private forSets(selector: string, fn: (rec: SetRecord) => void): void {
    for (const key of this.bySelector.get(selector) ?? []) {
      const rec = this.sets.get(key);
      if (rec) fn(rec);
    }
  }

  private add(rec: SetRecord, member: string): void {
    const n = rec.counts.get(member) ?? 0;
    rec.counts.set(member, n + 1);
    if (n === 0) this.deps.sequencer.memberAdded(ipSetIdOf(rec.def), member);
  }

  private remove(rec: SetRecord, member: string): void {
    const n = rec.counts.get(member);
    if (n === undefined) return;
    if (n > 1) rec.counts.set(member, n - 1);
    else {
      rec.counts.delete(member);
      this.deps.sequencer.memberRemoved(ipSetIdOf(rec.def), member);
    }
  }
}
