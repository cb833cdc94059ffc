/** Items indexed by label pair (key, value). Nested maps: no pair strings to build and hash. */
export class PairIndex<T> {
  private readonly byKey = new Map<string, Map<string, Set<T>>>();

  get(key: string, value: string): ReadonlySet<T> | undefined {
    return this.byKey.get(key)?.get(value);
  }

  /** Items under any value of `key`; an item under several values comes once per value. */
  *withKey(key: string): Iterable<T> {
    for (const items of this.byKey.get(key)?.values() ?? []) yield* items;
  }

  add(key: string, value: string, item: T): void {
    let values = this.byKey.get(key);
    if (!values) this.byKey.set(key, (values = new Map<string, Set<T>>()));
    const items = values.get(value);
    if (items) items.add(item);
    else values.set(value, new Set([item]));
  }

  remove(key: string, value: string, item: T): void {
    const values = this.byKey.get(key);
    const items = values?.get(value);
    if (!values || !items?.delete(item) || items.size > 0) return;
    values.delete(value);
    if (values.size === 0) this.byKey.delete(key);
  }

  addAll(labels: Record<string, string>, item: T): void {
    for (const k in labels) this.add(k, labels[k] as string, item);
  }

  removeAll(labels: Record<string, string>, item: T): void {
    for (const k in labels) this.remove(k, labels[k] as string, item);
  }
}
