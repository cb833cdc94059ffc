/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- assertions on arbitrary JSON answers */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import { call, cnpPath, collectWatch, makeClusterNetworkPolicy } from './testing/client.js';
import { hasKubectl, runKubectl, warnIfNoKubectl, type KubectlResult } from './testing/kubectl.js';

const GROUP = 'policy.networking.k8s.io';
const VERSION = 'v1alpha2';
const PLURAL = 'clusternetworkpolicies';
const accepted = {
  conditions: [
    {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: 'ok',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    },
  ],
};

let api: KubeApi;
let kc: KubeConfig;
let dir: string;

beforeAll(async () => {
  api = await startKubeApi({ bookmarkIntervalMs: 200 });
  kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  dir = await mkdtemp(path.join(tmpdir(), 'palisade-cnp-'));
});

afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ClusterNetworkPolicy: discovery', () => {
  it('lists the group, version, resource and status subresource', async () => {
    const groups = (await call(api.url, 'GET', '/apis')).body.groups as any[];
    const g = groups.find((x) => x.name === GROUP);
    expect(g.versions).toEqual([{ groupVersion: `${GROUP}/${VERSION}`, version: VERSION }]);
    expect(g.preferredVersion.version).toBe(VERSION);
    const list = (await call(api.url, 'GET', `/apis/${GROUP}/${VERSION}`)).body;
    expect(list.groupVersion).toBe(`${GROUP}/${VERSION}`);
    const main = list.resources.find((r: any) => r.name === PLURAL);
    expect(main).toMatchObject({
      singularName: 'clusternetworkpolicy',
      namespaced: false,
      kind: 'ClusterNetworkPolicy',
      shortNames: ['cnp'],
    });
    expect(main.verbs).toContain('deletecollection');
    expect(list.resources.find((r: any) => r.name === `${PLURAL}/status`).verbs).toEqual([
      'get',
      'patch',
      'update',
    ]);
    expect((await call(api.url, 'GET', `/apis/${GROUP}`)).status).toBe(200);
  });
});

describe('ClusterNetworkPolicy: REST and the status subresource', () => {
  it('is cluster-scoped: created without a namespace, not found under one', async () => {
    const created = await call(api.url, 'POST', cnpPath, makeClusterNetworkPolicy('scope'));
    expect(created.status).toBe(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    expect(created.body.metadata.generation).toBe(1);
    const nsPath = `/apis/${GROUP}/${VERSION}/namespaces/default/${PLURAL}/scope`;
    expect((await call(api.url, 'GET', nsPath)).status).toBe(404);
    expect((await call(api.url, 'GET', `${cnpPath}/scope`)).body.spec.priority).toBe(10);
  });

  it('drops status on create and keeps it on main-resource writes', async () => {
    const body = makeClusterNetworkPolicy('st', (c) => (c.status = accepted));
    const created = (await call(api.url, 'POST', cnpPath, body)).body;
    expect(created.status).toBeUndefined();

    const put = await call(api.url, 'PUT', `${cnpPath}/st/status`, {
      ...created,
      status: accepted,
    });
    expect(put.status).toBe(200);
    expect(put.body.status).toEqual(accepted);
    expect(put.body.metadata.generation).toBe(1);

    const spec = { ...created.spec, priority: 20 };
    const upd = await call(api.url, 'PUT', `${cnpPath}/st`, {
      ...put.body,
      spec,
      status: { conditions: [] },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.spec.priority).toBe(20);
    expect(upd.body.status).toEqual(accepted);
    expect(upd.body.metadata.generation).toBe(2);

    const merge = await call(
      api.url,
      'PATCH',
      `${cnpPath}/st`,
      { status: null, spec: { priority: 30 } },
      'application/merge-patch+json',
    );
    expect(merge.body.status).toEqual(accepted);
    expect(merge.body.spec.priority).toBe(30);
  });

  it('changes only status through /status (spec in the body is ignored)', async () => {
    const created = (await call(api.url, 'POST', cnpPath, makeClusterNetworkPolicy('only'))).body;
    const res = await call(api.url, 'PUT', `${cnpPath}/only/status`, {
      ...created,
      spec: { ...created.spec, priority: 999 },
      status: accepted,
    });
    expect(res.body.spec.priority).toBe(10);
    expect(res.body.status).toEqual(accepted);
    expect(res.body.metadata.generation).toBe(1);
    const patched = await call(
      api.url,
      'PATCH',
      `${cnpPath}/only/status`,
      { spec: { priority: 5 }, status: { conditions: [] } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
    expect(patched.body.spec.priority).toBe(10);
    expect(patched.body.status).toEqual({ conditions: [] });
  });

  it('refuses strategic merge patch, as for any custom resource', async () => {
    await call(api.url, 'POST', cnpPath, makeClusterNetworkPolicy('smp'));
    const res = await call(
      api.url,
      'PATCH',
      `${cnpPath}/smp`,
      { spec: { priority: 1 } },
      'application/strategic-merge-patch+json',
    );
    expect(res.status).toBe(415);
    expect(res.body.message).not.toContain('application/strategic-merge-patch+json;');
  });

  it('lists, watches and deletes (also as a collection)', async () => {
    const before = (await call(api.url, 'GET', cnpPath)).body;
    expect(before.kind).toBe('ClusterNetworkPolicyList');
    expect(before.apiVersion).toBe(`${GROUP}/${VERSION}`);
    const rv = before.metadata.resourceVersion as string;
    const watching = collectWatch(api.url, `${cnpPath}?watch=true&resourceVersion=${rv}`, {
      until: (ev) => ev.some((e) => e.type === 'DELETED'),
    });
    await call(
      api.url,
      'POST',
      cnpPath,
      makeClusterNetworkPolicy('w', (c) => (c.metadata.labels = { del: 'y' })),
    );
    const del = await call(api.url, 'DELETE', `${cnpPath}?labelSelector=del%3Dy`);
    expect(del.status).toBe(200);
    expect(del.body.items.map((o: any) => o.metadata.name)).toEqual(['w']);
    const { events } = await watching;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w',
      'DELETED w',
    ]);
    expect((await call(api.url, 'GET', `${cnpPath}/w`)).status).toBe(404);
  });

  it('injectRaw stores a CNP by kind or short name', () => {
    const o = api.injectRaw(
      'cnp',
      makeClusterNetworkPolicy('raw', (c) => (c.spec.priority = 5000)),
    );
    expect(o.metadata.generation).toBe(1);
    expect(api.injectRaw('ClusterNetworkPolicy', o).metadata.generation).toBe(2);
  });
});

describe('ClusterNetworkPolicy: client-node', () => {
  it('an informer sees add, update (also of status) and delete', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const seen: string[] = [];
    const informer = makeInformer<KubernetesObject & { spec?: any; status?: any }>(
      kc,
      cnpPath,
      () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }),
    );
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) =>
      seen.push(`update ${o.metadata?.name} ${o.spec?.priority} ${o.status ? 'status' : ''}`),
    );
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await custom.createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        body: makeClusterNetworkPolicy('inf'),
      });
      await waitFor(() => seen.includes('add inf'));
      await custom.patchClusterCustomObject(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          name: 'inf',
          body: { spec: { priority: 11 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await waitFor(() => seen.includes('update inf 11 '));
      await custom.patchClusterCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: PLURAL, name: 'inf', body: { status: accepted } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await waitFor(() => seen.includes('update inf 11 status'));
      const got = await custom.getClusterCustomObjectStatus({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        name: 'inf',
      });
      expect(got.status).toEqual(accepted);
      await custom.deleteClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        name: 'inf',
      });
      await waitFor(() => seen.includes('delete inf'));
    } finally {
      await informer.stop();
    }
  });
});

warnIfNoKubectl('kubectl tests');

function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl(api.kubeconfigPath, path.join(dir, 'cache'), args);
}

const MANIFEST = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: deny-x-to-y
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: 'y'}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: 'x'}}}]}
`;

describe.skipIf(!hasKubectl)('ClusterNetworkPolicy: kubectl', () => {
  it('applies, re-applies without change, gets, patches status and deletes', async () => {
    const file = path.join(dir, 'cnp.yaml');
    await writeFile(file, MANIFEST);
    const first = await kubectl('apply', '-f', file);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim()).toBe(
      'clusternetworkpolicy.policy.networking.k8s.io/deny-x-to-y created',
    );
    const rv = (await call(api.url, 'GET', `${cnpPath}/deny-x-to-y`)).body.metadata.resourceVersion;
    const again = await kubectl('apply', '-f', file);
    expect(again.stdout.trim()).toBe(
      'clusternetworkpolicy.policy.networking.k8s.io/deny-x-to-y unchanged',
    );
    expect(
      (await call(api.url, 'GET', `${cnpPath}/deny-x-to-y`)).body.metadata.resourceVersion,
    ).toBe(rv);

    await writeFile(file, MANIFEST.replace('priority: 10', 'priority: 12'));
    const changed = await kubectl('apply', '-f', file);
    expect(changed.stdout.trim()).toBe(
      'clusternetworkpolicy.policy.networking.k8s.io/deny-x-to-y configured',
    );

    const get = await kubectl('get', 'cnp');
    expect(get.code).toBe(0);
    const lines = get.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    expect(lines[0]).toEqual(['NAME', 'TIER', 'PRIORITY', 'AGE']);
    expect(lines.find((l) => l[0] === 'deny-x-to-y')?.slice(1, 3)).toEqual(['Admin', '12']);

    const patched = await kubectl(
      'patch',
      'cnp',
      'deny-x-to-y',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: accepted }),
    );
    expect(patched.code).toBe(0);
    const json = await kubectl('get', 'clusternetworkpolicy', 'deny-x-to-y', '-o', 'json');
    expect(JSON.parse(json.stdout).status).toEqual(accepted);

    const del = await kubectl('delete', 'cnp', 'deny-x-to-y');
    expect(del.stdout.trim()).toBe(
      'clusternetworkpolicy.policy.networking.k8s.io "deny-x-to-y" deleted',
    );
  });
});
