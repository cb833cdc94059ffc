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
 * Cost: an endpoint change evaluates only the selectors whose index hint it carries
 * (plus the few with no hint); a new selector evaluates only the endpoints carrying
 * its hint. Nothing scales with policies × rules.
 *
 * Consumers register per selector and are told of matches starting, stopping, or a
 * still-matching endpoint's data (IPs, ports, node) changing. Starts are delivered
 * before stops so reference counts downstream never dip to zero transiently.
 */
import { matchSelector, selectorLabels, type Endpoint, type Labels, type NamedPort } from '@palisade/model';
import type { ObjectRef } from '../messages.js';
import type { ParsedSelector } from './selectorCache.js';
import { labelPairs, selectorHint } from './selectorHints.js';

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
  pairs: string[];
  matches: Set<string>;
  /** Of the spec: an identical re-send is a no-op. */
  fingerprint: string;
}

interface SelectorRecord {
  expr: ParsedSelector['expr'];
  hint: string[] | null;
  consumers: Set<SelectorConsumer>;
  matches: Set<string>;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set?.delete(value) && set.size === 0) map.delete(key);
}

function sameData(a: IndexedEndpoint, b: IndexedEndpoint): boolean {
  return (
    a.node === b.node &&
    a.ips.length === b.ips.length &&
    a.ips.every((ip, i) => ip === b.ips[i]) &&
    JSON.stringify(a.ports) === JSON.stringify(b.ports)
  );
}

export class LabelIndex {
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly namespaceMembers = new Map<string, Set<string>>();
  /** label pair → endpoints carrying it */
  private readonly postings = new Map<string, Set<string>>();
  private readonly selectors = new Map<string, SelectorRecord>();
  /** label pair → selectors hinted by it */
  private readonly hinted = new Map<string, Set<string>>();
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
    const fingerprint = JSON.stringify(value.spec);
    if (old?.fingerprint === fingerprint) return;
    const ep: IndexedEndpoint = {
      key,
      ref: { namespace: ref.namespace, name: ref.name },
      node: value.spec.node,
      ips: [...value.spec.ips],
      ports: value.spec.ports.map((p) => ({ ...p })),
    };
    const podLabels = { ...value.spec.labels };
    if (old) {
      old.fingerprint = fingerprint;
      old.podLabels = podLabels;
      this.reevaluate(old, ep);
      return;
    }
    const rec: EndpointRecord = { ep, podLabels, labels: {}, pairs: [], matches: new Set(), fingerprint };
    this.endpoints.set(key, rec);
    addTo(this.namespaceMembers, ref.namespace, key);
    this.reevaluate(rec, ep);
  }

  setNamespace(name: string, labels: Labels | null): void {
    const old = this.namespaceLabels.get(name) ?? {};
    const cur = labels ?? {};
    if (labels === null) this.namespaceLabels.delete(name);
    else this.namespaceLabels.set(name, { ...labels });
    if (JSON.stringify(old) === JSON.stringify(cur)) return;
    for (const key of [...(this.namespaceMembers.get(name) ?? [])]) {
      const rec = this.endpoints.get(key);
      if (rec) this.reevaluate(rec, rec.ep);
    }
  }

  addSelector(sel: ParsedSelector, consumer: SelectorConsumer): void {
    let rec = this.selectors.get(sel.text);
    if (!rec) {
      rec = { expr: sel.expr, hint: selectorHint(sel.expr), consumers: new Set(), matches: new Set() };
      this.selectors.set(sel.text, rec);
      if (rec.hint === null) this.unhinted.add(sel.text);
      else rec.hint.forEach((p) => addTo(this.hinted, p, sel.text));
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
    if (rec.hint === null) this.unhinted.delete(text);
    else rec.hint.forEach((p) => removeFrom(this.hinted, p, text));
    this.selectors.delete(text);
  }

  private populate(text: string, rec: SelectorRecord): void {
    const candidates: Iterable<string> =
      rec.hint === null ? this.endpoints.keys() : new Set(rec.hint.flatMap((p) => [...(this.postings.get(p) ?? [])]));
    for (const key of candidates) {
      const ep = this.endpoints.get(key);
      if (ep && matchSelector(rec.expr, ep.labels)) {
        rec.matches.add(key);
        ep.matches.add(text);
      }
    }
  }


  /** Re-indexes `rec` under its current labels and tells consumers what changed. */
  private reevaluate(rec: EndpointRecord, ep: IndexedEndpoint): void {
    const ns = ep.ref.namespace;
    const labels = selectorLabels(rec.podLabels, ns, this.namespaceLabels.get(ns) ?? {});
    rec.labels = labels;
    const pairs = labelPairs(labels);

    // Matches follow selector registrations incrementally, so unchanged labels keep them.
    const sameLabels = rec.pairs.length === pairs.length && rec.pairs.every((p, i) => p === pairs[i]);
    const matches = sameLabels ? new Set(rec.matches) : this.evaluate(labels, pairs);

    if (!sameLabels) {
      const next = new Set(pairs);
      const old = new Set(rec.pairs);
      for (const p of rec.pairs) if (!next.has(p)) removeFrom(this.postings, p, ep.key);
      for (const p of pairs) if (!old.has(p)) addTo(this.postings, p, ep.key);
      rec.pairs = pairs;
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
    for (const text of before) {
      if (matches.has(text)) continue;
      const sel = this.selectors.get(text);
      if (!sel) continue;
      sel.matches.delete(ep.key);
      sel.consumers.forEach((c) => c.matchStopped(text, prev));
    }
  }

  /** The registered selectors matching `labels`, trying only hinted candidates. */
  private evaluate(labels: Labels, pairs: string[]): Set<string> {
    const matches = new Set<string>();
    const tried = new Set<string>();
    const consider = (text: string): void => {
      if (tried.has(text)) return;
      tried.add(text);
      const sel = this.selectors.get(text);
      if (sel && matchSelector(sel.expr, labels)) matches.add(text);
    };
    this.unhinted.forEach(consider);
    for (const p of pairs) this.hinted.get(p)?.forEach(consider);
    return matches;
  }

  private deleteEndpoint(key: string, rec: EndpointRecord): void {
    this.endpoints.delete(key);
    removeFrom(this.namespaceMembers, rec.ep.ref.namespace, key);
    rec.pairs.forEach((p) => removeFrom(this.postings, p, key));
    for (const text of rec.matches) {
      const sel = this.selectors.get(text);
      if (!sel) continue;
      sel.matches.delete(key);
      sel.consumers.forEach((c) => c.matchStopped(text, rec.ep));
    }
  }
}
