import { isPalisadeError } from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EtcdClient } from './client.js';
import { freePort, startEtcd, waitFor, type TestEtcd } from './testing/index.js';

const ThingSchema = z.object({ kind: z.literal('Thing'), size: z.number().int() }).strict();
type Thing = z.infer<typeof ThingSchema>;
const thing = (size: number): Thing => ({ kind: 'Thing', size });

let etcd: TestEtcd;
let client: EtcdClient;

beforeAll(async () => {
  etcd = await startEtcd();
  client = EtcdClient.connect({ endpoints: etcd.endpoints });
});
afterAll(async () => {
  await client?.close();
  await etcd?.destroy();
});

describe('EtcdClient CRUD', () => {
  it('puts, gets, lists and deletes typed values', async () => {
    const w = await client.put('/t/crud/a', ThingSchema, thing(1));
    expect(w.succeeded).toBe(true);
    await client.put('/t/crud/b', ThingSchema, thing(2));
    const got = await client.get('/t/crud/a', ThingSchema);
    expect(got).toMatchObject({
      key: '/t/crud/a',
      value: thing(1),
      modRevision: w.revision,
      createRevision: w.revision,
    });
    expect((await client.getRaw('/t/crud/a'))?.value).toBe(JSON.stringify(thing(1), null, 2));
    const list = await client.list('/t/crud/', ThingSchema);
    expect(list.items.map((i) => [i.key, i.value.size])).toEqual([
      ['/t/crud/a', 1],
      ['/t/crud/b', 2],
    ]);
    expect(list.invalid).toEqual([]);
    expect(BigInt(list.revision)).toBeGreaterThanOrEqual(BigInt(w.revision));
    await client.delete('/t/crud/a');
    expect(await client.get('/t/crud/a', ThingSchema)).toBeNull();
    expect(await client.getRaw('/t/crud/a')).toBeNull();
    expect(BigInt(await client.revision())).toBeGreaterThan(BigInt(w.revision));
  });

  it('refuses to write a value that fails the schema, naming the key and field', async () => {
    const bad = { kind: 'Thing', size: 1.5 } as Thing;
    const err: unknown = await client.put('/t/bad/x', ThingSchema, bad).catch((e: unknown) => e);
    expect(isPalisadeError(err, 'INVALID_VALUE')).toBe(true);
    expect((err as Error).message).toMatch(/\/t\/bad\/x.*size/);
    expect(await client.getRaw('/t/bad/x')).toBeNull();
  });

  it.each([
    ['corrupt JSON', '{"kind": "Thing", size: ', /invalid JSON at \/t\/corrupt\/k/],
    [
      'schema mismatch',
      '{"kind":"Thing","size":"big"}',
      /invalid value at \/t\/corrupt\/k: size: /,
    ],
  ])(
    'reports %s with its key: list().invalid and get() throws INVALID_VALUE',
    async (_name, text, msg) => {
      await client.putRaw('/t/corrupt/k', text);
      await client.put('/t/corrupt/ok', ThingSchema, thing(3));
      const list = await client.list('/t/corrupt/', ThingSchema);
      expect(list.items.map((i) => i.key)).toEqual(['/t/corrupt/ok']);
      expect(list.invalid).toHaveLength(1);
      expect(list.invalid[0]?.key).toBe('/t/corrupt/k');
      expect(list.invalid[0]?.error).toMatch(msg);
      const err: unknown = await client.get('/t/corrupt/k', ThingSchema).catch((e: unknown) => e);
      expect(isPalisadeError(err, 'INVALID_VALUE')).toBe(true);
      expect((err as Error).message).toMatch(msg);
      expect(isPalisadeError(err) && err.fields.key).toBe('/t/corrupt/k');
    },
  );
});

describe('EtcdClient compare-and-swap', () => {
  it("create-only with expectModRevision '0'", async () => {
    expect(
      (await client.put('/t/cas/new', ThingSchema, thing(1), { expectModRevision: '0' })).succeeded,
    ).toBe(true);
    expect(
      (await client.put('/t/cas/new', ThingSchema, thing(2), { expectModRevision: '0' })).succeeded,
    ).toBe(false);
    expect((await client.get('/t/cas/new', ThingSchema))?.value.size).toBe(1);
  });

  it('two writers racing on one key: exactly one wins', async () => {
    const { revision } = await client.put('/t/cas/race', ThingSchema, thing(0));
    const other = EtcdClient.connect({ endpoints: etcd.endpoints });
    try {
      for (let round = 0; round < 10; round++) {
        const cur = await client.get('/t/cas/race', ThingSchema);
        const results = await Promise.all([
          client.put('/t/cas/race', ThingSchema, thing(100 + round), {
            expectModRevision: cur!.modRevision,
          }),
          other.put('/t/cas/race', ThingSchema, thing(200 + round), {
            expectModRevision: cur!.modRevision,
          }),
        ]);
        expect(results.filter((r) => r.succeeded)).toHaveLength(1);
        const winner = results[0].succeeded ? 100 + round : 200 + round;
        expect((await client.get('/t/cas/race', ThingSchema))?.value.size).toBe(winner);
      }
    } finally {
      await other.close();
    }
    expect(revision).toMatch(/^\d+$/);
  });

  it('conditional delete only deletes the expected version', async () => {
    const w1 = await client.put('/t/cas/del', ThingSchema, thing(1));
    await client.put('/t/cas/del', ThingSchema, thing(2));
    expect((await client.delete('/t/cas/del', { expectModRevision: w1.revision })).succeeded).toBe(
      false,
    );
    const cur = await client.get('/t/cas/del', ThingSchema);
    expect(
      (await client.delete('/t/cas/del', { expectModRevision: cur!.modRevision })).succeeded,
    ).toBe(true);
    expect(await client.getRaw('/t/cas/del')).toBeNull();
  });
});

describe('EtcdClient leases', () => {
  it('a key bound to a lease disappears when the lease is revoked', async () => {
    const lease = await client.grantLease(10);
    expect(lease.id).toMatch(/^\d+$/);
    await client.put('/t/lease/revoked', ThingSchema, thing(1), { leaseId: lease.id });
    expect(await client.getRaw('/t/lease/revoked')).not.toBeNull();
    await lease.revoke();
    expect(await client.getRaw('/t/lease/revoked')).toBeNull();
  });

  it('keepalive holds the key beyond the TTL; expiry removes it once the holder is gone', async () => {
    const holder = EtcdClient.connect({ endpoints: etcd.endpoints });
    const lease = await holder.grantLease(2);
    let lost = '';
    lease.onLost((r) => (lost = r));
    await holder.put('/t/lease/expiring', ThingSchema, thing(1), { leaseId: lease.id });
    await new Promise((r) => setTimeout(r, 3500));
    expect(await client.getRaw('/t/lease/expiring')).not.toBeNull();
    expect(lost).toBe('');
    await holder.close(); // no more keepalives, no revoke
    await waitFor(async () => (await client.getRaw('/t/lease/expiring')) === null, {
      timeoutMs: 6000,
      what: 'expiry',
    });
  });
});

describe('EtcdClient errors', () => {
  it('reports an unreachable etcd as UNAVAILABLE naming the endpoints', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const dead = EtcdClient.connect({ endpoints: [endpoint], requestTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const err: unknown = await dead.getRaw('/x').catch((e: unknown) => e);
      expect(isPalisadeError(err, 'UNAVAILABLE')).toBe(true);
      expect((err as Error).message).toContain(`etcd unreachable at ${endpoint}`);
      expect(isPalisadeError(err) && err.fields.endpoints).toEqual([endpoint]);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await dead.close();
    }
  });
});

describe('EtcdClient large lists', () => {
  it('lists more than one gRPC message worth of keys as one snapshot', async () => {
    // 2,500 values of ~3 KiB: ~7.5 MiB, beyond gRPC's 4 MiB default message size.
    const pad = 'x'.repeat(3000);
    for (let i = 0; i < 2500; i += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, k) =>
          client.putRaw(
            `/t/big/${String(i + k).padStart(5, '0')}`,
            JSON.stringify({ pad, n: i + k }),
          ),
        ),
      );
    }
    const before = await client.revision();
    const list = await client.listRaw('/t/big/');
    expect(list.items).toHaveLength(2500);
    expect(new Set(list.items.map((i) => i.key)).size).toBe(2500);
    expect(BigInt(list.revision)).toBeGreaterThanOrEqual(BigInt(before));
    const typed = await client.list('/t/big/', z.object({ pad: z.string(), n: z.number() }));
    expect(typed.items).toHaveLength(2500);
    expect(typed.invalid).toEqual([]);
  });
});
