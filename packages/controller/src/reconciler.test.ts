import { clusterPolicyKey, endpointKey, namespaceKey, policyKey } from '@palisade/model';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import { createLogger } from '@palisade/common';
import { createControllerMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { MemoryStore } from './testing/memoryStore.js';
import { makeClusterNetworkPolicy, makeNamespace, makeNetworkPolicy, makePod } from './testing/builders.js';
import { translateClusterNetworkPolicy, translateNamespace, translateNetworkPolicy, translatePod } from './translate/index.js';

const reconcilers: Reconciler[] = [];
afterEach(async () => {
  await Promise.all(reconcilers.splice(0).map((r) => r.stop()));
});

function start(store: MemoryStore, opts: { leader?: boolean; complete?: boolean } = {}): Reconciler {
  const r = new Reconciler({ store, coalesceMs: 1, backoff: { initialMs: 1, maxMs: 5 } });
  reconcilers.push(r);
  if (opts.complete ?? true) r.setDesiredComplete();
  if (opts.leader ?? true) r.setLeader(true);
  return r;
}

const ns1 = translateNamespace(makeNamespace('ns1', { team: 'a' }));
const pol = (name: string, port = 80) =>
  translateNetworkPolicy(makeNetworkPolicy(name, 'ns1', (np) => (np.spec!.ingress = [{ ports: [{ port }] }]))).policy;
const ep = translatePod(makePod('web-1', 'ns1'))!;

function seed(r: Reconciler): void {
  r.set(namespaceKey('ns1'), 'namespace', ns1);
  r.set(policyKey('ns1', 'a'), 'policy', pol('a'));
  r.set(endpointKey('node-1', 'ns1', 'web-1'), 'endpoint', ep);
}

const revisions = (s: MemoryStore) => Object.fromEntries([...s.data].map(([k, e]) => [k, e.modRevision]));

describe('Reconciler', () => {
  it('creates missing keys with create-only CAS and stores valid JSON', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    expect(store.writes.map((w) => [w.op, w.expect, w.ok])).toEqual([
      ['put', '0', true],
      ['put', '0', true],
      ['put', '0', true],
    ]);
    expect(JSON.parse(store.data.get(policyKey('ns1', 'a'))!.value)).toEqual(pol('a'));
    expect(r.ready()).toBe(true);
  });

  it('a restart with unchanged objects writes nothing (semantic comparison)', async () => {
    const store = new MemoryStore();
    seed(start(store));
    await reconcilers[0]!.idle();
    await reconcilers[0]!.stop();
    // Same content, different text layout: still equal.
    const key = namespaceKey('ns1');
    store.data.get(key)!.value = JSON.stringify(JSON.parse(store.data.get(key)!.value));
    const before = revisions(store);
    const writes = store.writes.length;
    const r2 = start(store);
    seed(r2);
    await r2.idle();
    expect(store.writes.length).toBe(writes);
    expect(revisions(store)).toEqual(before);
  });

  it('updates in place with CAS on the mod revision (no delete + create)', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    const key = policyKey('ns1', 'a');
    const { modRevision, createRevision } = store.data.get(key)!;
    r.set(key, 'policy', pol('a', 443));
    await r.idle();
    const last = store.writes.at(-1)!;
    expect(last).toEqual({ op: 'put', key, expect: String(modRevision), ok: true });
    expect(store.data.get(key)!.createRevision).toBe(createRevision);
    expect(store.writes.filter((w) => w.op === 'delete')).toEqual([]);
  });

  it('deletes keys that are no longer desired, stale, malformed or invalid', async () => {
    const store = new MemoryStore();
    store.external(policyKey('ns1', 'gone'), JSON.stringify(pol('gone')));
    store.external('/palisade/v1/policy/not-a-valid-key', '{}');
    store.external(namespaceKey('ns1'), '{"broken": true}');
    store.external('/palisade/v1/agent/node-1', '{"kept": true}');
    const r = start(store);
    r.set(namespaceKey('ns1'), 'namespace', ns1);
    await r.idle();
    expect([...store.data.keys()].sort()).toEqual(['/palisade/v1/agent/node-1', namespaceKey('ns1')]);
    expect(JSON.parse(store.data.get(namespaceKey('ns1'))!.value)).toEqual(ns1);
    r.set(namespaceKey('ns1'), 'namespace', null);
    await r.idle();
    expect(store.data.has(namespaceKey('ns1'))).toBe(false);
    expect(store.writes.filter((w) => w.op === 'delete').every((w) => w.expect !== undefined)).toBe(true);
  });

  it.each([
    ['not leader', { leader: false, complete: true }],
    ['informers not synced', { leader: true, complete: false }],
  ])('writes nothing while %s', async (_d, opts) => {
    const store = new MemoryStore();
    store.external(policyKey('ns1', 'other'), JSON.stringify(pol('other')));
    const r = start(store, opts);
    seed(r);
    await new Promise((res) => setTimeout(res, 30));
    expect(store.writes).toEqual([]);
    expect(store.listCalls).toBe(0);
  });

  it('stops writing when deposed and catches up when elected again', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    r.setLeader(false);
    await new Promise((res) => setTimeout(res, 5));
    const writes = store.writes.length;
    r.set(policyKey('ns1', 'b'), 'policy', pol('b'));
    await new Promise((res) => setTimeout(res, 20));
    expect(store.writes.length).toBe(writes);
    store.external(policyKey('ns1', 'a'), JSON.stringify(pol('a', 1)));
    r.setLeader(true);
    await r.idle();
    expect(JSON.parse(store.data.get(policyKey('ns1', 'b'))!.value)).toEqual(pol('b'));
    expect(JSON.parse(store.data.get(policyKey('ns1', 'a'))!.value)).toEqual(pol('a'));
  });

  it('a later full reconcile sees every key changed since (unchanged keys are not parsed again)', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    const writes = store.writes.length;
    const fullReconcile = async (): Promise<void> => {
      const lists = store.listCalls;
      r.setLeader(false);
      r.setLeader(true);
      await r.idle();
      expect(store.listCalls).toBeGreaterThan(lists);
    };
    await fullReconcile();
    expect(store.writes.length).toBe(writes);
    const [nsKey, polKey, epKey] = [namespaceKey('ns1'), policyKey('ns1', 'a'), endpointKey('node-1', 'ns1', 'web-1')];
    store.external(nsKey, '{"broken": true}');
    store.external(polKey, JSON.stringify(pol('a', 1)));
    store.external(epKey, JSON.stringify(JSON.parse(store.data.get(epKey)!.value))); // same value, new revision
    await fullReconcile();
    expect(store.writes.slice(writes).map((w) => w.key).sort()).toEqual([nsKey, polKey].sort());
    expect(JSON.parse(store.data.get(nsKey)!.value)).toEqual(ns1);
    expect(JSON.parse(store.data.get(polKey)!.value)).toEqual(pol('a'));
  });

  it('re-reads and retries when a compare-and-swap is lost', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    const key = policyKey('ns1', 'a');
    store.external(key, JSON.stringify(pol('a', 9))); // unseen by the reconciler
    r.set(key, 'policy', pol('a', 443));
    await r.idle();
    const attempts = store.writes.filter((w) => w.key === key).slice(-2);
    expect(attempts.map((w) => w.ok)).toEqual([false, true]);
    expect(JSON.parse(store.data.get(key)!.value)).toEqual(pol('a', 443));
  });

  it('keeps pending changes through etcd errors and converges', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    store.failures = 5;
    for (let i = 0; i < 20; i++) r.set(policyKey('ns1', `p${i}`), 'policy', pol(`p${i}`));
    r.set(policyKey('ns1', 'a'), 'policy', null);
    await r.idle();
    expect(store.failures).toBe(0);
    for (let i = 0; i < 20; i++) expect(store.data.has(policyKey('ns1', `p${i}`))).toBe(true);
    expect(store.data.has(policyKey('ns1', 'a'))).toBe(false);
  });

  it.each([true, false])('converges with a lost CAS inside a batch (batches: %s)', async (batches) => {
    const store = new MemoryStore({ batches });
    const r = start(store);
    for (let i = 0; i < 30; i++) r.set(policyKey('ns1', `p${i}`), 'policy', pol(`p${i}`));
    await r.idle();
    store.external(policyKey('ns1', 'p7'), JSON.stringify(pol('p7', 1))); // unseen by the reconciler
    for (let i = 0; i < 30; i++) r.set(policyKey('ns1', `p${i}`), 'policy', pol(`p${i}`, 443));
    await r.idle();
    for (let i = 0; i < 30; i++) expect(JSON.parse(store.data.get(policyKey('ns1', `p${i}`))!.value)).toEqual(pol(`p${i}`, 443));
    expect(store.batches > 0).toBe(batches);
  });

  it('writes a large reconcile in transactions of at most batchSize keys', async () => {
    const store = new MemoryStore();
    const r = new Reconciler({ store, coalesceMs: 1, batchSize: 10 });
    reconcilers.push(r);
    for (let i = 0; i < 95; i++) r.set(policyKey('ns1', `p${i}`), 'policy', pol(`p${i}`));
    r.setDesiredComplete();
    r.setLeader(true);
    await r.idle();
    expect(store.batches).toBe(10);
    expect(store.data.size).toBe(95);
  });

  it('keeps transactions under the etcd request size limit', async () => {
    const store = new MemoryStore();
    const r = start(store);
    await r.idle();
    // ~30 KB per stored policy: 100 of them would exceed etcd's 1.5 MiB request limit.
    const big = (name: string) =>
      translateNetworkPolicy(
        makeNetworkPolicy(name, 'ns1', (np) => {
          np.spec!.ingress = [{ from: Array.from({ length: 400 }, (_, i) => ({ ipBlock: { cidr: `10.${Math.floor(i / 250)}.${i % 250}.0/24` } })) }];
        }),
      ).policy;
    expect(big('x').spec.error).toBeUndefined();
    for (let i = 0; i < 100; i++) r.set(policyKey('ns1', `big${i}`), 'policy', big(`big${i}`));
    await r.idle();
    expect(store.data.size).toBe(100);
    expect(store.batches).toBeGreaterThanOrEqual(4);
    expect(store.maxBatchBytes).toBeLessThan(1024 * 1024);
  });

  it('coalesces a burst: only the last value of a key is written', async () => {
    const store = new MemoryStore();
    const r = start(store);
    await r.idle();
    const key = policyKey('ns1', 'burst');
    for (let port = 1; port <= 50; port++) r.set(key, 'policy', pol('burst', port));
    await r.idle();
    expect(store.writes.filter((w) => w.key === key)).toHaveLength(1);
    expect(JSON.parse(store.data.get(key)!.value)).toEqual(pol('burst', 50));
  });

  it('ignores sets that do not change the desired value', async () => {
    const store = new MemoryStore();
    const r = start(store);
    seed(r);
    await r.idle();
    seed(r);
    expect(r.pending()).toBe(0);
  });

  it('reports metrics: writes by kind and op, leader gauge', async () => {
    const registry = new Registry();
    const metrics = createControllerMetrics(registry);
    const store = new MemoryStore();
    const r = new Reconciler({ store, metrics, coalesceMs: 1 });
    reconcilers.push(r);
    r.setDesiredComplete();
    r.setLeader(true);
    seed(r);
    await r.idle();
    r.set(policyKey('ns1', 'a'), 'policy', null);
    await r.idle();
    const text = await registry.metrics();
    expect(text).toContain('palisade_controller_etcd_writes_total{kind="policy",op="create"} 1');
    expect(text).toContain('palisade_controller_etcd_writes_total{kind="policy",op="delete"} 1');
    expect(text).toContain('palisade_controller_etcd_writes_total{kind="endpoint",op="create"} 1');
    expect(text).toContain('palisade_controller_is_leader 1');
    expect(text).toContain('palisade_controller_desired_objects{kind="policy"} 0');
  });

  it('leaves cluster-policy keys alone until their informer has listed; the rest goes on', async () => {
    const store = new MemoryStore();
    const stale = clusterPolicyKey('stale');
    const cnp = translateClusterNetworkPolicy(makeClusterNetworkPolicy('guard'));
    store.external(stale, JSON.stringify(translateClusterNetworkPolicy(makeClusterNetworkPolicy('stale'))));
    const r = start(store, { complete: false });
    r.set(clusterPolicyKey('guard'), 'clusterPolicy', cnp);
    seed(r);
    r.setDesiredComplete(['policy', 'namespace', 'endpoint']);
    await r.idle();
    expect(store.data.has(policyKey('ns1', 'a'))).toBe(true);
    expect(store.data.has(clusterPolicyKey('guard'))).toBe(false);
    expect(store.data.has(stale)).toBe(true);
    r.setDesiredComplete(['clusterPolicy']);
    await r.idle();
    expect(JSON.parse(store.data.get(clusterPolicyKey('guard'))!.value)).toEqual(cnp);
    expect(store.data.has(stale)).toBe(false);
  });

  it('cluster policies complete first: nothing else is written or deleted yet', async () => {
    const store = new MemoryStore();
    store.external(policyKey('ns1', 'old'), JSON.stringify(pol('old')));
    const r = start(store, { complete: false });
    r.setDesiredComplete(['clusterPolicy']);
    r.set(clusterPolicyKey('guard'), 'clusterPolicy', translateClusterNetworkPolicy(makeClusterNetworkPolicy('guard')));
    seed(r);
    await r.idle();
    expect([...store.data.keys()].sort()).toEqual([clusterPolicyKey('guard'), policyKey('ns1', 'old')]);
  });

  it('is not ready on a reconcile that covered only cluster policies once the rest is complete, until that is reconciled too', async () => {
    const store = new MemoryStore();
    const r = start(store, { complete: false });
    r.setDesiredComplete(['clusterPolicy']);
    seed(r);
    await r.idle();
    r.setDesiredComplete(['policy', 'namespace', 'endpoint']);
    // The earlier reconcile compared cluster policies only: it says nothing of the rest.
    expect(r.ready()).toBe(false);
    await r.idle();
    await vi.waitFor(() => expect(r.ready()).toBe(true));
    expect(store.data.has(policyKey('ns1', 'a'))).toBe(true);
  });

  it('counts every write of a full reconcile that runs transactions in parallel', async () => {
    const store = new MemoryStore();
    const stream = new PassThrough();
    const lines: Record<string, unknown>[] = [];
    stream.on('data', (chunk: Buffer) => {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    const logger = createLogger({ format: 'json', stream });
    const r = new Reconciler({ store, logger, coalesceMs: 1, batchSize: 10, batchConcurrency: 4 });
    reconcilers.push(r);
    for (let i = 0; i < 95; i++) r.set(policyKey('ns1', `p-${i}`), 'policy', pol(`p-${i}`));
    r.setDesiredComplete();
    r.setLeader(true);
    await r.idle();
    await vi.waitFor(() => expect(lines.some((l) => l.message === 'full reconcile done')).toBe(true));
    const done = lines.find((l) => l.message === 'full reconcile done');
    expect(done).toMatchObject({ writes: 95, kinds: ['policy', 'namespace', 'endpoint', 'clusterPolicy'] });
  });
});
