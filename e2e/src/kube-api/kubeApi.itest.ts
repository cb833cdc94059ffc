/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- assertions on arbitrary JSON answers */
import { CoreV1Api, KubeConfig, NetworkingV1Api, PatchStrategy, makeInformer, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import { call, collectWatch, makeNamespace, makeNetworkPolicy, makePod, netpolPath, podsPath } from './testing/client.js';

let api: KubeApi;
let kc: KubeConfig;

beforeAll(async () => {
  api = await startKubeApi({ bookmarkIntervalMs: 200 });
  kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  expect((await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('t1'))).status).toBe(201);
});

afterAll(async () => {
  await api.stop();
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client-node informer', () => {
  it('sees add, update and delete', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const seen: string[] = [];
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/t1/pods', () => core.listNamespacedPod({ namespace: 't1' }));
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) => seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.v ?? ''}`));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: 't1', body: makePod('inf', 't1') });
      await waitFor(() => seen.includes('add inf'));
      await core.patchNamespacedPod(
        { name: 'inf', namespace: 't1', body: { metadata: { labels: { v: '2' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      const jsonPatch = [{ op: 'replace', path: '/metadata/labels/v', value: '3' }];
      await core.patchNamespacedPod({ name: 'inf', namespace: 't1', body: jsonPatch });
      await waitFor(() => seen.includes('update inf 3'));
      await waitFor(() => seen.includes('update inf 2'));
      await core.deleteNamespacedPod({ name: 'inf', namespace: 't1' });
      await waitFor(() => seen.includes('delete inf'));
      expect(informer.get('inf', 't1')).toBeUndefined();
    } finally {
      await informer.stop();
    }
  });

  it('networkpolicy informer lists through the generated client', async () => {
    const net = kc.makeApiClient(NetworkingV1Api);
    await net.createNamespacedNetworkPolicy({ namespace: 't1', body: makeNetworkPolicy('np-inf', 't1') });
    const informer = makeInformer(kc, '/apis/networking.k8s.io/v1/networkpolicies', () => net.listNetworkPolicyForAllNamespaces());
    await informer.start();
    try {
      await waitFor(() => informer.get('np-inf', 't1') !== undefined);
      const np = informer.get('np-inf', 't1');
      expect(np?.spec?.policyTypes).toEqual(['Ingress']);
    } finally {
      await informer.stop();
    }
  });

  it('relists after the watch gets 410 (compaction)', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/t1/pods', () => core.listNamespacedPod({ namespace: 't1' }));
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: 't1', body: makePod('relist', 't1') });
      await waitFor(() => informer.get('relist', 't1') !== undefined);
      const lists = api.stats()['list pods'] ?? 0;
      // A write elsewhere moves the compaction point past the informer's last revision.
      await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('elsewhere'));
      api.compact();
      api.dropWatches();
      // The re-watch from the informer's revision gets 410 Expired, so it lists again.
      await waitFor(() => (api.stats()['list pods'] ?? 0) > lists);
      await core.deleteNamespacedPod({ name: 'relist', namespace: 't1' });
      await waitFor(() => informer.get('relist', 't1') === undefined);
    } finally {
      await informer.stop();
    }
  });

  it('typed read-modify-replace round-trips (client-node re-encodes timestamps)', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 't1', body: makePod('typed', 't1') });
    const pod = await core.readNamespacedPod({ name: 'typed', namespace: 't1' });
    pod.status = { phase: 'Running', podIP: '10.1.0.9', podIPs: [{ ip: '10.1.0.9' }] };
    const st = await core.replaceNamespacedPodStatus({ name: 'typed', namespace: 't1', body: pod });
    expect(st.status?.podIP).toBe('10.1.0.9');
    st.metadata = { ...st.metadata, labels: { app: 'typed', v: 'x' } };
    const upd = await core.replaceNamespacedPod({ name: 'typed', namespace: 't1', body: st });
    expect(upd.metadata?.labels).toEqual({ app: 'typed', v: 'x' });
    expect(upd.status?.podIP).toBe('10.1.0.9');
  });
});

describe('watch', () => {
  it('resumes from a resourceVersion', async () => {
    const created = await call(api.url, 'POST', podsPath('t1'), makePod('w1', 't1'));
    const rv = created.body.metadata.resourceVersion as string;
    await call(api.url, 'PATCH', `${podsPath('t1')}/w1`, { metadata: { labels: { x: '1' } } }, 'application/merge-patch+json');
    await call(api.url, 'DELETE', `${podsPath('t1')}/w1`);
    const r = await collectWatch(api.url, `${podsPath('t1')}?watch=true&resourceVersion=${rv}`, { until: (e) => e.length >= 2 });
    expect(r.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['MODIFIED w1', 'DELETED w1']);
    expect(Number(r.events[1]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it('sends synthetic ADDED for resourceVersion 0, then live events', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('w0'));
    await call(api.url, 'POST', podsPath('w0'), makePod('w2', 'w0'));
    const r = await collectWatch(api.url, `/api/v1/watch/namespaces/w0/pods?resourceVersion=0`, {
      until: (e) => e.some((x) => x.object.metadata.name === 'w3'),
      onOpen: () => void call(api.url, 'POST', podsPath('w0'), makePod('w3', 'w0')),
    });
    expect(r.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w2', 'ADDED w3']);
  });

  it('answers 410 Expired for a compacted resourceVersion', async () => {
    const rv = api.resourceVersion();
    await call(api.url, 'POST', podsPath('t1'), makePod('w4', 't1'));
    api.compact();
    const r = await collectWatch(api.url, `${podsPath('t1')}?watch=1&resourceVersion=${rv - 1}`);
    expect(r.ended).toBe(true);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('turns an object that stops matching the selector into DELETED', async () => {
    await call(api.url, 'POST', podsPath('t1'), makePod('sel', 't1', (p) => (p.metadata.labels = { tier: 'a' })));
    const rv = api.resourceVersion();
    const patch = (tier: string): Promise<unknown> =>
      call(api.url, 'PATCH', `${podsPath('t1')}/sel`, { metadata: { labels: { tier } } }, 'application/strategic-merge-patch+json');
    await patch('b');
    await patch('a');
    const r = await collectWatch(api.url, `${podsPath('t1')}?watch=true&resourceVersion=${rv}&labelSelector=tier%20in%20(a)`, {
      until: (e) => e.length >= 2,
    });
    expect(r.events.map((e) => e.type)).toEqual(['DELETED', 'ADDED']);
  });

  it('sends bookmarks and honours timeoutSeconds', async () => {
    const start = Date.now();
    const r = await collectWatch(api.url, `${netpolPath('t1')}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${api.resourceVersion()}`);
    expect(r.ended).toBe(true);
    expect(Date.now() - start).toBeLessThan(3000);
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events.every((e) => e.type === 'BOOKMARK' && e.object.kind === 'NetworkPolicy')).toBe(true);
  });

  it('watches one object by fieldSelector', async () => {
    await call(api.url, 'POST', podsPath('t1'), makePod('one', 't1'));
    const r = await collectWatch(api.url, `/api/v1/pods?watch=true&fieldSelector=metadata.name%3Done,metadata.namespace%3Dt1`, {
      until: (e) => e.length >= 1,
    });
    expect(r.events.map((e) => e.object.metadata.name)).toEqual(['one']);
  });
});

describe('REST semantics', () => {
  it('rejects a stale update with 409 Conflict', async () => {
    const created = await call(api.url, 'POST', podsPath('t1'), makePod('c1', 't1'));
    const stale = created.body;
    const fresh = { ...stale, metadata: { ...stale.metadata, labels: { v: '1' } } };
    expect((await call(api.url, 'PUT', `${podsPath('t1')}/c1`, fresh)).status).toBe(200);
    const r = await call(api.url, 'PUT', `${podsPath('t1')}/c1`, { ...stale, metadata: { ...stale.metadata, labels: { v: '2' } } });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409, details: { name: 'c1', kind: 'pods' } });
  });

  it('answers 409 AlreadyExists and 404 for a missing namespace', async () => {
    expect((await call(api.url, 'POST', podsPath('t1'), makePod('c1', 't1'))).body).toMatchObject({ reason: 'AlreadyExists', code: 409 });
    const r = await call(api.url, 'POST', podsPath('nope'), makePod('x', 'nope'));
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "nope" not found' });
  });

  it('updates only status through the status subresource, and never status through the main resource', async () => {
    const created = await call(api.url, 'POST', podsPath('t1'), makePod('st', 't1', (p) => (p.status = { phase: 'Running' })));
    expect(created.body.status.phase).toBe('Pending');
    const body = { ...created.body, metadata: { ...created.body.metadata, labels: { ignored: 'yes' } }, status: { phase: 'Running', podIP: '10.0.0.5' } };
    const r = await call(api.url, 'PUT', `${podsPath('t1')}/st/status`, body);
    expect(r.status).toBe(200);
    expect(r.body.status).toEqual({ phase: 'Running', podIP: '10.0.0.5' });
    expect(r.body.metadata.labels).toEqual({ app: 'st' });
    const p = await call(api.url, 'PATCH', `${podsPath('t1')}/st/status`, { status: { podIPs: [{ ip: '10.0.0.5' }] } }, 'application/merge-patch+json');
    expect(p.body.status.podIPs).toEqual([{ ip: '10.0.0.5' }]);
    const main = await call(api.url, 'PATCH', `${podsPath('t1')}/st`, { status: { phase: 'Failed' } }, 'application/merge-patch+json');
    expect(main.body.status.phase).toBe('Running');
  });

  it('supports generateName, json-patch and label/field selectors on lists', async () => {
    const g = await call(api.url, 'POST', podsPath('t1'), makePod('', 't1', (p) => {
      delete p.metadata.name;
      p.metadata.generateName = 'gen-';
      p.metadata.labels = { role: 'gen' };
      p.spec.nodeName = 'node-a';
    }));
    expect(g.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const name = g.body.metadata.name as string;
    const jp = [{ op: 'add', path: '/metadata/labels/extra', value: 'y' }, { op: 'test', path: '/metadata/labels/role', value: 'gen' }];
    expect((await call(api.url, 'PATCH', `${podsPath('t1')}/${name}`, jp, 'application/json-patch+json')).body.metadata.labels).toEqual({ role: 'gen', extra: 'y' });
    const cases: [string, string[]][] = [
      ['labelSelector=role%3Dgen,extra', [name]],
      ['labelSelector=!extra,role', []],
      ['labelSelector=role%20notin%20(gen)&fieldSelector=metadata.name%3D' + name, []],
      ['fieldSelector=spec.nodeName%3Dnode-a', [name]],
      ['fieldSelector=status.phase%3DPending,spec.nodeName%21%3Dnode-a&labelSelector=role', []],
    ];
    for (const [q, want] of cases) {
      const r = await call(api.url, 'GET', `/api/v1/pods?${q}`);
      expect(r.body.items.map((i: any) => i.metadata.name), q).toEqual(want);
    }
    expect((await call(api.url, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3D1')).status).toBe(400);
  });

  it('pages lists with limit/continue from one snapshot, and 410s a continue after compaction', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('paged'));
    for (let i = 0; i < 5; i++) await call(api.url, 'POST', podsPath('paged'), makePod(`p${i}`, 'paged'));
    const first = await call(api.url, 'GET', `${podsPath('paged')}?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    await call(api.url, 'DELETE', `${podsPath('paged')}/p4`);
    const names: string[] = first.body.items.map((i: any) => i.metadata.name);
    let cont = first.body.metadata.continue as string | undefined;
    while (cont) {
      const next = await call(api.url, 'GET', `${podsPath('paged')}?limit=2&continue=${encodeURIComponent(cont)}`);
      expect(next.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      names.push(...next.body.items.map((i: any) => i.metadata.name));
      cont = next.body.metadata.continue;
    }
    expect(names).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    const again = await call(api.url, 'GET', `${podsPath('paged')}?limit=1`);
    api.compact();
    const gone = await call(api.url, 'GET', `${podsPath('paged')}?limit=1&continue=${encodeURIComponent(again.body.metadata.continue)}`);
    expect(gone.status).toBe(410);
    expect(gone.body.reason).toBe('Expired');
  });

  it('deleting a namespace deletes its pods and policies with DELETED events', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('doomed'));
    await call(api.url, 'POST', podsPath('doomed'), makePod('a', 'doomed'));
    await call(api.url, 'POST', netpolPath('doomed'), makeNetworkPolicy('n', 'doomed'));
    const rv = api.resourceVersion();
    expect((await call(api.url, 'DELETE', '/api/v1/namespaces/doomed')).status).toBe(200);
    const pods = await collectWatch(api.url, `/api/v1/pods?watch=true&resourceVersion=${rv}`, { until: (e) => e.length >= 1 });
    expect(pods.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['DELETED a']);
    expect((await call(api.url, 'GET', `${netpolPath('doomed')}/n`)).status).toBe(404);
    expect((await call(api.url, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('keeps the kubernetes.io/metadata.name label and skips no-op writes', async () => {
    const ns = await call(api.url, 'GET', '/api/v1/namespaces/t1');
    expect(ns.body.metadata.labels['kubernetes.io/metadata.name']).toBe('t1');
    const patched = await call(api.url, 'PATCH', '/api/v1/namespaces/t1', { metadata: { labels: { 'kubernetes.io/metadata.name': 'other' } } }, 'application/merge-patch+json');
    expect(patched.body.metadata.labels['kubernetes.io/metadata.name']).toBe('t1');
    expect(patched.body.metadata.resourceVersion).toBe(ns.body.metadata.resourceVersion);
  });

  it('injectRaw stores an invalid policy that the API would reject', async () => {
    const bad = makeNetworkPolicy('raw', 't1', (np) => (np.spec.ingress = [{ ports: [{ port: 70000 }] }]));
    expect((await call(api.url, 'POST', netpolPath('t1'), bad)).status).toBe(422);
    const stored = api.injectRaw('networkpolicies', bad);
    expect(stored.metadata.resourceVersion).toBeDefined();
    const got = await call(api.url, 'GET', `${netpolPath('t1')}/raw`);
    expect(got.body.spec.ingress[0].ports[0]).toEqual({ port: 70000 });
    expect(api.stats()['create networkpolicies']).toBeGreaterThan(0);
  });
});

describe('lifecycle', () => {
  it('stop() ends open watches and frees the port', async () => {
    const other = await startKubeApi({ bootstrapNamespaces: false });
    const pending = collectWatch(other.url, '/api/v1/namespaces?watch=true', { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await other.stop();
    const r = await pending;
    expect(r.ended).toBe(true);
    expect(r.events).toEqual([]);
    await expect(fetch(`${other.url}/version`)).rejects.toThrow();
  });
});
