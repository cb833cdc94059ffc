/**
 * In-memory object store with one global, etcd-like resourceVersion counter.
 *
 * Guarantees: every write gets the next revision and is recorded, in order, in a
 * bounded history that watches replay from; listeners are called synchronously in
 * revision order, so a watcher that replays history and then subscribes (both in
 * the same tick) sees every event exactly once. Revisions at or below `floorRv`
 * are no longer replayable: a watch from there must get 410 Gone, like a
 * compacted etcd. Objects are cloned on the way in and out so callers never share
 * the stored copies.
 */
import { clone, type KubeObject, type WatchEventType } from './types.js';

export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  /** The new object (for DELETED, the last state, with the deletion revision). */
  object: KubeObject;
  /** The previous object for MODIFIED/DELETED. */
  prev?: KubeObject;
  rv: number;
}

export type StoreListener = (e: StoreEvent) => void;

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private rv = 1;
  private floorRv = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();

  constructor(private readonly historySize = 10_000) {}

  currentRv(): number {
    return this.rv;
  }

  /** Revisions <= this cannot be resumed from. */
  oldestResumableRv(): number {
    return this.floorRv;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.table(resource).get(objectKey(namespace, name));
    return o ? clone(o) : undefined;
  }

  /** Objects of a resource (optionally in one namespace), sorted by key. */
  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    const keys = [...this.table(resource).keys()].sort();
    for (const k of keys) {
      const o = this.table(resource).get(k);
      if (o && (!namespace || o.metadata.namespace === namespace)) out.push(clone(o));
    }
    return out;
  }

  /** Stores (creates or replaces) an object at the next revision and returns the stored copy. */
  put(resource: string, obj: KubeObject): KubeObject {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    const prev = this.table(resource).get(key);
    const stored = clone(obj);
    this.rv++;
    stored.metadata.resourceVersion = String(this.rv);
    this.table(resource).set(key, stored);
    this.record({
      type: prev ? 'MODIFIED' : 'ADDED',
      resource,
      object: stored,
      ...(prev ? { prev } : {}),
      rv: this.rv,
    });
    return clone(stored);
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(namespace, name);
    const prev = this.table(resource).get(key);
    if (!prev) return undefined;
    this.table(resource).delete(key);
    this.rv++;
    const last = clone(prev);
    last.metadata.resourceVersion = String(this.rv);
    this.record({ type: 'DELETED', resource, object: last, prev, rv: this.rv });
    return clone(last);
  }

  /** Events of `resource` after `rv`, or 'expired' when history no longer covers them. */
  eventsSince(resource: string, rv: number): StoreEvent[] | 'expired' {
    if (rv < this.floorRv) return 'expired';
    return this.history.filter((e) => e.resource === resource && e.rv > rv);
  }

  subscribe(fn: StoreListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Forgets all history: any earlier revision now answers 410. */
  compact(): void {
    this.history = [];
    this.floorRv = this.rv;
  }

  private record(e: StoreEvent): void {
    this.history.push(e);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.floorRv = dropped[dropped.length - 1]?.rv ?? this.floorRv;
    }
    for (const fn of [...this.listeners]) fn(e);
  }

  private table(resource: string): Map<string, KubeObject> {
    let t = this.objects.get(resource);
    if (!t) {
      t = new Map();
      this.objects.set(resource, t);
    }
    return t;
  }
}
