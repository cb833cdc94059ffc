/**
 * LabelIndex: every endpoint in the cluster, its effective labels, and which of the
 * registered selectors match it.
 *
 * Effective labels are the pod's labels plus its namespace's labels (selectorLabels),
 * so a namespace label change re-evaluates that namespace's endpoints. Matches are kept
 * explicitly in both directions (selector → endpoints, endpoint → selectors), which
 * makes every change a diff against the stored state: duplicates are no-ops and the
 * consumers only ever hear about real transitions.
 *
 * Cost: an endpoint change evaluates only the selectors hinted by one of its labels
 * (a label pair, or for `has(key)` the key alone; plus the few with no hint); a new
 * selector evaluates only the endpoints carrying its hint. Namespace-level pairs (`ns:*`, `pal:namespace`) are looked up through the
 * namespaces rather than posted per endpoint, so a namespace change touches no index.
 *
 * A namespace whose stored value cannot be read has UNKNOWN labels, not empty ones:
 * empty labels would make `NotIn`/`DoesNotExist` namespace selectors match it and widen
 * access. Its endpoints are evaluated three-valued (evaluateSelector) and match only
 * when the answer does not depend on the namespace's labels; selectors on pod labels
 * and the namespace name still match exactly.
 *
 * Consumers register per selector and are told of matches starting, stopping, or a
 * still-matching endpoint's data (IPs, ports, node) changing. Starts are delivered
 * before stops so reference counts downstream never dip to zero transiently.
 */
import {
  NAMESPACE_LABEL_PREFIX,
  NAMESPACE_NAME_LABEL,
  evaluateSelector,
  matchSelector,
  selectorLabels,
  type Endpoint,
  type Labels,
  type NamedPort,
} from '@palisade/model';
import type { ObjectRef } from '../messages.js';
import { PairIndex } from './pairIndex.js';
import type { ParsedSelector } from './selectorCache.js';
import { selectorHint, type LabelHint } from './selectorHints.js';

export interface IndexedEndpoint {
  readonly key: string;
  readonly ref: ObjectRef;
  readonly node: string;
  readonly ips: readonly string[];
  readonly ports: readonly NamedPort[];
}

export interface SelectorConsumer {
  matchStarted(selector: string, ep: IndexedEndpoint): void;
  matchUpdated(selector: string, prev: IndexedEndpoint, cur: IndexedEndpoint): void;
  matchStopped(selector: string, ep: IndexedEndpoint): void;
}

interface EndpointRecord {
  ep: IndexedEndpoint;
  podLabels: Labels;
  /** Effective labels, as selectors see them. */
  labels: Labels;
  matches: Set<string>;
}

interface SelectorRecord {
  expr: ParsedSelector['expr'];
  hint: LabelHint[] | null;
  consumers: Set<SelectorConsumer>;
  matches: Set<string>;
}

/** Passed to setNamespace for a namespace whose labels cannot be read. */
export const UNREADABLE = Symbol('unreadable namespace');

const isNamespaceLabel = (key: string): boolean => key.startsWith(NAMESPACE_LABEL_PREFIX);

export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}

type EndpointData = Pick<IndexedEndpoint, 'node' | 'ips' | 'ports'>;

function sameData(a: EndpointData, b: EndpointData): boolean {
  return (
    a.node === b.node &&
    a.ips.length === b.ips.length &&
    a.ips.every((ip, i) => ip === b.ips[i]) &&
    JSON.stringify(a.ports) === JSON.stringify(b.ports)
  );
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

export class LabelIndex {
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly namespaceMembers = new Map<string, Set<string>>();
  /** Namespaces whose labels are unknown (unreadable values). */
  private readonly unreadable = new Set<string>();
  /** pod label pair → endpoint keys */
  private readonly podPairs = new PairIndex<string>();
  /** namespace label pair (unprefixed) → namespace names */
  private readonly namespacePairs = new PairIndex<string>();
  private readonly selectors = new Map<string, SelectorRecord>();
  /** hint pair → selector texts */
  private readonly hinted = new PairIndex<string>();
  /** hint key (a `has()` hint: any value) → selector texts */
  private readonly keyHinted = new Map<string, Set<string>>();
  private readonly unhinted = new Set<string>();

  get size(): number {
    return this.endpoints.size;
  }

  get(key: string): IndexedEndpoint | undefined {
    return this.endpoints.get(key)?.ep;
  }

  /** The registered selectors this endpoint matches. */
  matchesOf(key: string): ReadonlySet<string> {
    return this.endpoints.get(key)?.matches ?? new Set();
  }

  *matching(selector: string): Iterable<IndexedEndpoint> {
    for (const key of this.selectors.get(selector)?.matches ?? []) {
      const rec = this.endpoints.get(key);
      if (rec) yield rec.ep;
    }
  }

  setEndpoint(ref: ObjectRef, value: Endpoint | null): void {
    const key = refKey(ref);
    const old = this.endpoints.get(key);
    if (value === null) {
      if (old) this.deleteEndpoint(key, old);
      return;
    }
    // Compared field by field rather than through a stored JSON fingerprint: at 100k
    // endpoints that string was a third of the index's memory.
    if (old && sameData(old.ep, value.spec) && sameLabels(old.podLabels, value.spec.labels)) return;
    const ep: IndexedEndpoint = {
      key,
      ref: { namespace: ref.namespace, name: ref.name },
      node: value.spec.node,
      ips: [...value.spec.ips],
      ports: value.spec.ports.map((p) => ({ ...p })),
    };
    const podLabels = { ...value.spec.labels };
    if (!old) {
      const rec: EndpointRecord = { ep, podLabels, labels: {}, matches: new Set() };
      this.endpoints.set(key, rec);
      this.podPairs.addAll(podLabels, key);
      this.addMember(ref.namespace, key);
      this.reevaluate(rec, ep, true);
      return;
    }
    const labelsChanged = !sameLabels(old.podLabels, podLabels);
    if (labelsChanged) {
      this.podPairs.removeAll(old.podLabels, key);
      this.podPairs.addAll(podLabels, key);
      old.podLabels = podLabels;
    }
    this.reevaluate(old, ep, labelsChanged);
  }

  setNamespace(name: string, value: Labels | typeof UNREADABLE | null): void {
    const unknown = value === UNREADABLE;
    const labels = unknown ? null : value;
    const old = this.namespaceLabels.get(name) ?? {};
    const cur = labels === null ? {} : { ...labels };
    const wasUnknown = this.unreadable.has(name);
    if (JSON.stringify(old) === JSON.stringify(cur) && wasUnknown === unknown) return;
    if (unknown) this.unreadable.add(name);
    else this.unreadable.delete(name);
    this.namespacePairs.removeAll(old, name);
    this.namespacePairs.addAll(cur, name);
    if (labels === null) this.namespaceLabels.delete(name);
    else this.namespaceLabels.set(name, cur);
    for (const key of [...(this.namespaceMembers.get(name) ?? [])]) {
      const rec = this.endpoints.get(key);
      if (rec) this.reevaluate(rec, rec.ep, true);
    }
  }

  addSelector(sel: ParsedSelector, consumer: SelectorConsumer): void {
    let rec = this.selectors.get(sel.text);
    if (!rec) {
      rec = {
        expr: sel.expr,
        hint: selectorHint(sel.expr),
        consumers: new Set(),
        matches: new Set(),
      };
      this.selectors.set(sel.text, rec);
      this.indexHint(sel.text, rec.hint, true);
      this.populate(sel.text, rec);
    }
    if (rec.consumers.has(consumer)) return;
    rec.consumers.add(consumer);
    for (const key of rec.matches) {
      const ep = this.endpoints.get(key)?.ep;
      if (ep) consumer.matchStarted(sel.text, ep);
    }
  }

  /** Unregisters without replaying stops: the consumer drops its own state. */
  removeSelector(text: string, consumer: SelectorConsumer): void {
    const rec = this.selectors.get(text);
    if (!rec?.consumers.delete(consumer) || rec.consumers.size > 0) return;
    for (const key of rec.matches) this.endpoints.get(key)?.matches.delete(text);
    this.indexHint(text, rec.hint, false);
    this.selectors.delete(text);
  }

  private indexHint(text: string, hint: LabelHint[] | null, add: boolean): void {
    if (hint === null) {
      if (add) this.unhinted.add(text);
      else this.unhinted.delete(text);
      return;
    }
    for (const [k, v] of hint) {
      if (v !== null) {
        if (add) this.hinted.add(k, v, text);
        else this.hinted.remove(k, v, text);
        continue;
      }
      const texts = this.keyHinted.get(k);
      if (add) {
        if (texts) texts.add(text);
        else this.keyHinted.set(k, new Set([text]));
      } else if (texts?.delete(text) && texts.size === 0) this.keyHinted.delete(k);
    }
  }

  private addMember(namespace: string, key: string): void {
    const members = this.namespaceMembers.get(namespace);
    if (members) members.add(key);
    else this.namespaceMembers.set(namespace, new Set([key]));
  }

  /** Endpoints whose effective labels may hold one of the hinted labels. */
  private candidates(hint: LabelHint[]): Set<string> {
    const out = new Set<string>();
    const addAll = (keys: Iterable<string> | undefined): void => {
      for (const key of keys ?? []) out.add(key);
    };
    for (const [k, v] of hint) {
      addAll(v === null ? this.podPairs.withKey(k) : this.podPairs.get(k, v));
      if (k === NAMESPACE_NAME_LABEL) {
        if (v !== null) addAll(this.namespaceMembers.get(v));
        else for (const members of this.namespaceMembers.values()) addAll(members);
      } else if (k.startsWith(NAMESPACE_LABEL_PREFIX)) {
        const nsKey = k.slice(NAMESPACE_LABEL_PREFIX.length);
        const namespaces =
          v === null ? this.namespacePairs.withKey(nsKey) : this.namespacePairs.get(nsKey, v);
        for (const ns of namespaces ?? []) addAll(this.namespaceMembers.get(ns));
      }
    }
    return out;
  }

  private populate(text: string, rec: SelectorRecord): void {
    const consider = (key: string, ep: EndpointRecord): void => {
      if (!this.matches(rec.expr, ep)) return;
      rec.matches.add(key);
      ep.matches.add(text);
    };
    // Unhinted: every endpoint, iterated in place (a lookup per key costs as much again).
    if (rec.hint === null) for (const [key, ep] of this.endpoints) consider(key, ep);
    else
      for (const key of this.candidates(rec.hint)) {
        const ep = this.endpoints.get(key);
        if (ep) consider(key, ep);
      }
  }

  /** Two-valued, or three-valued (only `true` matches) in an unreadable namespace. */
  private matches(expr: SelectorRecord['expr'], rec: EndpointRecord): boolean {
    if (!this.unreadable.has(rec.ep.ref.namespace)) return matchSelector(expr, rec.labels);
    return evaluateSelector(expr, rec.labels, isNamespaceLabel) === true;
  }

  /** The registered selectors matching the record, trying only hinted candidates. */
  private evaluate(rec: EndpointRecord): Set<string> {
    const labels = rec.labels;
    const matches = new Set<string>();
    const tried = new Set<string>();
    const consider = (text: string): void => {
      if (tried.has(text)) return;
      tried.add(text);
      const sel = this.selectors.get(text);
      if (sel && this.matches(sel.expr, rec)) matches.add(text);
    };
    this.unhinted.forEach(consider);
    for (const k in labels) {
      this.hinted.get(k, labels[k] as string)?.forEach(consider);
      this.keyHinted.get(k)?.forEach(consider);
    }
    return matches;
  }

  /** Moves `rec` to `ep` (and its current labels) and tells consumers what changed. */
  private reevaluate(rec: EndpointRecord, ep: IndexedEndpoint, labelsChanged: boolean): void {
    let matches = rec.matches;
    if (labelsChanged) {
      const ns = ep.ref.namespace;
      rec.labels = selectorLabels(rec.podLabels, ns, this.namespaceLabels.get(ns) ?? {});
      matches = this.evaluate(rec);
    }
    const prev = rec.ep;
    const before = rec.matches;
    rec.ep = ep;
    rec.matches = matches;
    const dataChanged = prev !== ep && !sameData(prev, ep);
    for (const text of matches) {
      const sel = this.selectors.get(text);
      if (!sel) continue;
      if (!before.has(text)) {
        sel.matches.add(ep.key);
        sel.consumers.forEach((c) => c.matchStarted(text, ep));
      } else if (dataChanged) sel.consumers.forEach((c) => c.matchUpdated(text, prev, ep));
    }
    if (matches === before) return;
    for (const text of before) {
      if (matches.has(text)) continue;
      const sel = this.selectors.get(text);
      if (!sel) continue;
      sel.matches.delete(ep.key);
      sel.consumers.forEach((c) => c.matchStopped(text, prev));
    }
  }

  private deleteEndpoint(key: string, rec: EndpointRecord): void {
    this.endpoints.delete(key);
    const members = this.namespaceMembers.get(rec.ep.ref.namespace);
    if (members?.delete(key) && members.size === 0)
      this.namespaceMembers.delete(rec.ep.ref.namespace);
    this.podPairs.removeAll(rec.podLabels, key);
    for (const text of rec.matches) {
      const sel = this.selectors.get(text);
      if (!sel) continue;
      sel.matches.delete(key);
      sel.consumers.forEach((c) => c.matchStopped(text, rec.ep));
    }
  }
}
