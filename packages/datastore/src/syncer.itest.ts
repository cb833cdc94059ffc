import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@palisade/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient } from './client.js';
import { Syncer } from './syncer.js';
import {
  etcdContent,
  recordView,
  sameContent,
  startEtcd,
  startTcpProxy,
  waitFor,
  type TcpProxy,
  type TestEtcd,
  type ViewRecorder,
} from './testing/index.js';

let etcd: TestEtcd;
let direct: EtcdClient;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  direct = EtcdClient.connect({ endpoints: etcd.endpoints, requestTimeoutMs: 2000 });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await direct?.close();
  await etcd?.destroy();
});

/** A logger whose messages the test can inspect. */
function captureLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      messages.push((JSON.parse(chunk.toString()) as { message: string }).message);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', format: 'json', stream }), messages };
}

interface Harness {
  rec: ViewRecorder;
  syncer: Syncer;
  messages: string[];
  proxy: TcpProxy | null;
}

async function startSyncer(prefix: string, opts: { viaProxy?: boolean } = {}): Promise<Harness> {
  const proxy = opts.viaProxy ? await startTcpProxy(etcd.endpoints[0]!) : null;
  const client = EtcdClient.connect({
    endpoints: proxy ? [proxy.url] : etcd.endpoints,
    requestTimeoutMs: 2000,
  });
  const rec = recordView();
  const { logger, messages } = captureLogger();
  const syncer = new Syncer({
    client,
    prefix,
    callbacks: rec,
    logger,
    backoff: { initialMs: 50, maxMs: 500 },
  });
  syncer.start();
  cleanups.push(async () => {
    await syncer.stop();
    await client.close();
    await proxy?.close();
  });
  return { rec, syncer, messages, proxy };
}

async function expectConverged(h: Harness, prefix: string): Promise<void> {
  let want = new Map<string, string>();
  await waitFor(
    async () => {
      want = await etcdContent(direct, prefix);
      return sameContent(h.rec.view, want) && h.rec.statuses.at(-1) === 'in-sync';
    },
    { timeoutMs: 20_000, what: `syncer view of ${prefix} to equal etcd` },
  ).catch((err: unknown) => {
    expect(Object.fromEntries(h.rec.view)).toEqual(Object.fromEntries(want));
    throw err;
  });
  expect(BigInt(h.syncer.revision)).toBeGreaterThan(0n);
}

async function writeSome(prefix: string, tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await direct.putRaw(`${prefix}${tag}-${i}`, `{"v":"${tag}-${i}"}`);
}

describe('Syncer', () => {
  it('lists, reports in-sync, then streams puts and deletes (raw values, even corrupt ones)', async () => {
    const p = '/s/basic/';
    await writeSome(p, 'pre', 3);
    await direct.putRaw('/s/basicX', 'outside the prefix');
    const h = await startSyncer(p);
    await expectConverged(h, p);
    expect(h.rec.statuses).toEqual(['wait-for-ready', 'in-sync']);
    expect(h.rec.batches[0]?.updates.map((u) => u.key)).toEqual([
      `${p}pre-0`,
      `${p}pre-1`,
      `${p}pre-2`,
    ]);
    await direct.putRaw(`${p}corrupt`, '{not json');
    await direct.delete(`${p}pre-1`);
    await writeSome(p, 'post', 2);
    await expectConverged(h, p);
    expect(h.rec.view.get(`${p}corrupt`)).toBe('{not json');
    const revs = h.rec.batches.map((b) => BigInt(b.revision));
    expect([...revs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(revs);
  });

  it('delivers an empty first batch and in-sync for an empty prefix', async () => {
    const h = await startSyncer('/s/empty/');
    await waitFor(() => h.rec.statuses.includes('in-sync'));
    expect(h.rec.batches).toEqual([
      { updates: [], revision: expect.stringMatching(/^\d+$/) as string },
    ]);
  });

  it('replays changes made while its connection was down (no re-list needed)', async () => {
    const p = '/s/drop/';
    await writeSome(p, 'a', 5);
    const h = await startSyncer(p, { viaProxy: true });
    await expectConverged(h, p);
    h.proxy!.block();
    await direct.delete(`${p}a-0`);
    await writeSome(p, 'b', 3);
    await direct.putRaw(`${p}a-1`, '{"changed":true}');
    await waitFor(() => h.rec.statuses.at(-1) === 'resync', { what: 'resync status' });
    h.proxy!.unblock();
    await expectConverged(h, p);
    expect(h.messages).not.toContain('watch revision compacted; re-listing');
  });

  it.each([
    ['disconnected', 'block'],
    ['slow (connection stalled)', 'blackhole'],
  ] as const)(
    'recovers without loss when its revision is compacted while it is %s',
    async (_what, mode) => {
      const p = `/s/compact-${mode}/`;
      await writeSome(p, 'a', 6);
      const h = await startSyncer(p, { viaProxy: true });
      await expectConverged(h, p);
      if (mode === 'block') h.proxy!.block();
      else h.proxy!.blackhole();
      await direct.delete(`${p}a-0`);
      await direct.delete(`${p}a-1`);
      await direct.putRaw(`${p}a-2`, '{"changed":1}');
      await writeSome(p, 'b', 4);
      await direct.delete(`${p}b-3`); // created and deleted while the syncer could not see it
      await direct.putRaw('/s/other', 'bump');
      await direct.compact(await direct.revision());
      if (mode === 'block') h.proxy!.unblock();
      else h.proxy!.drop();
      await expectConverged(h, p);
      expect(h.messages).toContain('watch revision compacted; re-listing');
      const deletions = h.rec.batches
        .flatMap((b) => b.updates)
        .filter((u) => u.value === null)
        .map((u) => u.key);
      expect(deletions.sort()).toEqual([`${p}a-0`, `${p}a-1`]);
    },
  );

  it('recovers when etcd is killed (SIGKILL) and restarted, including changes after the restart', async () => {
    const p = '/s/restart/';
    await writeSome(p, 'a', 4);
    const h = await startSyncer(p);
    await expectConverged(h, p);
    await etcd.kill();
    await waitFor(() => h.rec.statuses.at(-1) === 'resync', { what: 'resync status' });
    await etcd.restart();
    await direct.delete(`${p}a-0`);
    await direct.putRaw(`${p}a-1`, '{"after":"restart"}');
    await writeSome(p, 'b', 3);
    await expectConverged(h, p);
  });

  it('waits while etcd is unreachable at start, then syncs', async () => {
    const p = '/s/late/';
    await writeSome(p, 'a', 2);
    const proxy = await startTcpProxy(etcd.endpoints[0]!);
    proxy.block();
    const client = EtcdClient.connect({ endpoints: [proxy.url], requestTimeoutMs: 500 });
    const rec = recordView();
    const syncer = new Syncer({
      client,
      prefix: p,
      callbacks: rec,
      backoff: { initialMs: 50, maxMs: 300 },
    });
    cleanups.push(async () => {
      await syncer.stop();
      await client.close();
      await proxy.close();
    });
    syncer.start();
    await new Promise((r) => setTimeout(r, 1500));
    expect(rec.statuses).toEqual(['wait-for-ready']);
    expect(rec.batches).toEqual([]);
    proxy.unblock();
    await expectConverged({ rec, syncer, messages: [], proxy }, p);
    expect(rec.statuses).toEqual(['wait-for-ready', 'in-sync']);
  });

  it('keeps running when the consumer throws', async () => {
    const p = '/s/throws/';
    const h = await startSyncer(p);
    await waitFor(() => h.rec.statuses.includes('in-sync'));
    const orig = h.rec.onUpdates.bind(h.rec);
    let thrown = 0;
    h.rec.onUpdates = (u, r) => {
      orig(u, r);
      if (thrown++ === 0) throw new Error('consumer bug');
    };
    await writeSome(p, 'a', 3);
    await expectConverged(h, p);
    expect(h.messages).toContain('syncer consumer failed on updates');
  });

  it('converges under random writes, deletes, connection drops and compactions', async () => {
    const p = '/s/chaos/';
    const h = await startSyncer(p, { viaProxy: true });
    await waitFor(() => h.rec.statuses.includes('in-sync'));
    let seed = 42;
    const rnd = (n: number): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    for (let step = 0; step < 300; step++) {
      const key = `${p}k${rnd(20)}`;
      if (rnd(3) === 0) await direct.delete(key);
      else await direct.putRaw(key, `{"step":${step}}`);
      const r = rnd(40);
      if (r === 0) h.proxy!.drop();
      if (r === 1) h.proxy!.block();
      if (r === 2) h.proxy!.unblock();
      if (r === 3) await direct.compact(await direct.revision());
      if (r === 4) await new Promise((res) => setTimeout(res, 100)); // let it reconnect now and then
    }
    h.proxy!.unblock();
    await expectConverged(h, p);
    // The dedicated tests above pin down each recovery path; this one only checks convergence.
    expect(h.rec.statuses).toContain('resync');
  });
});
