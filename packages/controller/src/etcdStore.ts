/**
 * The reconciler's view of etcd: EtcdClient's typed CAS writes, batched CAS writes
 * (one transaction, one compare per key; etcd allows 128 ops per transaction by
 * default), and a paginated prefix list. A single range over 10,000 endpoints exceeds gRPC's default 4 MiB
 * message limit, so lists are read in pages of keys (each page starting after the
 * last key of the previous one). Pages are not pinned to one revision: the
 * reconciler's compare-and-swap writes make a slightly torn list harmless.
 */
import { describeZodError, type EtcdClient, type Revision, type SyncUpdate, type WriteResult } from '@palisade/datastore';
import { PalisadeError, errorMessage } from '@palisade/common';
import type { BatchWrite, ReconcilerStore } from './reconciler.js';

const PAGE_SIZE = 1000;

function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

export function etcdStore(client: EtcdClient, pageSize = PAGE_SIZE): ReconcilerStore {
  return {
    async listRaw(prefix: string): Promise<{ items: SyncUpdate[]; revision: Revision }> {
      const items: SyncUpdate[] = [];
      const end = prefixEnd(prefix);
      let start = Buffer.from(prefix);
      let revision: Revision = '0';
      for (;;) {
        let res;
        try {
          res = await client.raw.getAll().inRange({ start, end }).limit(pageSize).exec();
        } catch (err) {
          throw new PalisadeError('UNAVAILABLE', `etcd list ${prefix} failed: ${errorMessage(err)}`, {
            cause: err,
            fields: { key: prefix },
          });
        }
        if (revision === '0') revision = res.header.revision;
        for (const kv of res.kvs)
          items.push({ key: kv.key.toString(), value: kv.value.toString(), modRevision: kv.mod_revision });
        const last = res.kvs.at(-1);
        if (!res.more || !last) return { items, revision };
        start = Buffer.concat([last.key, Buffer.from([0])]);
      }
    },
    async writeBatch(writes: BatchWrite[]): Promise<WriteResult> {
      const first = writes[0];
      if (!first) return { succeeded: true, revision: '0' };
      const raw = client.raw;
      const ops = writes.map((w) => {
        if (!w.put) return raw.delete().key(w.key);
        const parsed = w.put.schema.safeParse(w.put.value);
        if (!parsed.success)
          throw new PalisadeError('INVALID_VALUE', `refusing to write invalid value at ${w.key}: ${describeZodError(parsed.error)}`, {
            cause: parsed.error,
            fields: { key: w.key },
          });
        return raw.put(w.key).value(JSON.stringify(parsed.data, null, 2));
      });
      let txn = raw.if(first.key, 'Mod', '==', first.expectModRevision);
      for (const w of writes.slice(1)) txn = txn.and(w.key, 'Mod', '==', w.expectModRevision);
      try {
        const res = await txn.then(...ops).commit();
        return { succeeded: res.succeeded, revision: res.header.revision };
      } catch (err) {
        throw new PalisadeError('UNAVAILABLE', `etcd transaction of ${writes.length} writes failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
    },
    getRaw: (key) => client.getRaw(key),
    put: (key, schema, value, opts) => client.put(key, schema, value, opts),
    delete: (key, opts) => client.delete(key, opts),
  };
}
