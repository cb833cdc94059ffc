/**
 * The reconciler's view of etcd: EtcdClient's typed CAS writes, batched CAS writes
 * (one transaction, one compare per key; etcd allows 128 ops per transaction by
 * default), and the datastore's paginated prefix list.
 */
import {
  describeZodError,
  permissionDenied,
  type EtcdClient,
  type Revision,
  type SyncUpdate,
  type WriteResult,
} from '@palisade/datastore';
import { PalisadeError, errorMessage } from '@palisade/common';
import { API_VERSION, LAST_DELETE_KEY, LastDeleteSchema } from '@palisade/model';
import type { BatchWrite, ReconcilerStore } from './reconciler.js';

export function etcdStore(client: EtcdClient): ReconcilerStore {
  return {
    listRaw(prefix: string): Promise<{ items: SyncUpdate[]; revision: Revision }> {
      // Paginated and pinned to one revision by the datastore.
      return client.listRaw(prefix);
    },
    async writeBatch(writes: BatchWrite[]): Promise<WriteResult> {
      const first = writes[0];
      if (!first) return { succeeded: true, revision: '0' };
      const raw = client.raw;
      const ops = writes.map((w) => {
        if (!w.put) return raw.delete().key(w.key);
        const parsed = w.put.schema.safeParse(w.put.value);
        if (!parsed.success)
          throw new PalisadeError(
            'INVALID_VALUE',
            `refusing to write invalid value at ${w.key}: ${describeZodError(parsed.error)}`,
            {
              cause: parsed.error,
              fields: { key: w.key },
            },
          );
        return raw.put(w.key).value(JSON.stringify(parsed.data, null, 2));
      });
      let txn = raw.if(first.key, 'Mod', '==', first.expectModRevision);
      for (const w of writes.slice(1)) txn = txn.and(w.key, 'Mod', '==', w.expectModRevision);
      try {
        const res = await txn.then(...ops).commit();
        if (res.succeeded && writes.some((w) => !w.put))
          await markDelete(client, res.header.revision);
        return { succeeded: res.succeeded, revision: res.header.revision };
      } catch (err) {
        // etcd does not say which key of the transaction was refused: name the first.
        const denied = permissionDenied(err, {
          endpoints: client.endpoints,
          op: `transaction of ${writes.length} writes starting at`,
          key: first.key,
          user: client.username,
        });
        if (denied) throw denied;
        throw new PalisadeError(
          'UNAVAILABLE',
          `etcd transaction of ${writes.length} writes failed: ${errorMessage(err)}`,
          {
            cause: err,
          },
        );
      }
    },
    getRaw: (key) => client.getRaw(key),
    put: (key, schema, value, opts) => client.put(key, schema, value, opts),
    async delete(key, opts) {
      const res = await client.delete(key, opts);
      if (res.succeeded) await markDelete(client, res.revision);
      return res;
    },
  };
}

/**
 * Records the revision of the newest delete under LAST_DELETE_KEY (a deletion leaves no
 * key, so without it `palisadectl status --wait` could not tell whether agents have
 * programmed it). Best effort: a failure only delays what status reports, never
 * enforcement, so it must not fail the delete itself.
 */
async function markDelete(client: EtcdClient, revision: Revision): Promise<void> {
  try {
    await client.put(LAST_DELETE_KEY, LastDeleteSchema, {
      apiVersion: API_VERSION,
      kind: 'LastDelete',
      revision,
    });
  } catch {
    /* the next delete rewrites it */
  }
}
