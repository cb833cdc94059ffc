import {
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import { call, collectWatch, makeNamespace, makeNetworkPolicy, makePod } from './testing/client.js';

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
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/t1/pods', () =>
      core.listNamespacedPod({ namespace: 't1' }),
    );
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) =>
      seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.v ?? ''}`),
    );
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
    await net.createNamespacedNetworkPolicy({
      namespace: 't1',
      body: makeNetworkPolicy('np-inf', 't1'),
    });
    const informer = makeInformer(kc, '/apis/networking.k8s.io/v1/networkpolicies', () =>
      net.listNetworkPolicyForAllNamespaces(),
    );
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
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/t1/pods', () =>
      core.listNamespacedPod({ namespace: 't1' }),
    );
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
