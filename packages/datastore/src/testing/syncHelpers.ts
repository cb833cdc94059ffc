/** Helpers for integration tests of syncer consumers: a mirrored view and polling waits. */
import type { EtcdClient } from '../client.js';
import type { Revision, SyncStatus, SyncUpdate, SyncerCallbacks } from '../types.js';

export interface ViewRecorder extends SyncerCallbacks {
  readonly view: Map<string, string>;
  readonly statuses: SyncStatus[];
  readonly batches: { updates: SyncUpdate[]; revision: Revision }[];
}

/** A consumer that applies every batch to a Map, as an agent would. */
export function recordView(): ViewRecorder {
  const view = new Map<string, string>();
  const statuses: SyncStatus[] = [];
  const batches: { updates: SyncUpdate[]; revision: Revision }[] = [];
  return {
    view,
    statuses,
    batches,
    onUpdates(updates, revision) {
      batches.push({ updates, revision });
      for (const u of updates) {
        if (u.value === null) view.delete(u.key);
        else view.set(u.key, u.value);
      }
    },
    onStatus(status) {
      statuses.push(status);
    },
  };
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const until = Date.now() + (opts.timeoutMs ?? 15_000);
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** etcd's content under a prefix as a Map (key → raw value). */
export async function etcdContent(
  client: EtcdClient,
  prefix: string,
): Promise<Map<string, string>> {
  const { items } = await client.listRaw(prefix);
  return new Map(items.map((i) => [i.key, i.value ?? '']));
}

export function sameContent(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
