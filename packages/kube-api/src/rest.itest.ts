/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- assertions on arbitrary JSON answers */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import {
  call,
  collectWatch,
  makeNamespace,
  makeNetworkPolicy,
  makePod,
  netpolPath,
  podsPath,
} from './testing/client.js';

let api: KubeApi;

beforeAll(async () => {
  api = await startKubeApi({ bookmarkIntervalMs: 200 });
  expect((await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('t1'))).status).toBe(201);
});

afterAll(async () => {
  await api.stop();
});

describe('REST semantics', () => {
  it('rejects a stale update with 409 Conflict', async () => {
    const created = await call(api.url, 'POST', podsPath('t1'), makePod('c1', 't1'));
    const stale = created.body;
    const fresh = { ...stale, metadata: { ...stale.metadata, labels: { v: '1' } } };
    expect((await call(api.url, 'PUT', `${podsPath('t1')}/c1`, fresh)).status).toBe(200);
    const r = await call(api.url, 'PUT', `${podsPath('t1')}/c1`, {
      ...stale,
      metadata: { ...stale.metadata, labels: { v: '2' } },
    });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      details: { name: 'c1', kind: 'pods' },
    });
  });

  it('answers 409 AlreadyExists and 404 for a missing namespace', async () => {
    expect((await call(api.url, 'POST', podsPath('t1'), makePod('c1', 't1'))).body).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
    });
    const r = await call(api.url, 'POST', podsPath('nope'), makePod('x', 'nope'));
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "nope" not found' });
  });

  it('updates only status through the status subresource, and never status through the main resource', async () => {
    const created = await call(
      api.url,
      'POST',
      podsPath('t1'),
      makePod('st', 't1', (p) => (p.status = { phase: 'Running' })),
    );
    expect(created.body.status.phase).toBe('Pending');
    const body = {
      ...created.body,
      metadata: { ...created.body.metadata, labels: { ignored: 'yes' } },
      status: { phase: 'Running', podIP: '10.0.0.5' },
    };
    const r = await call(api.url, 'PUT', `${podsPath('t1')}/st/status`, body);
    expect(r.status).toBe(200);
    expect(r.body.status).toEqual({ phase: 'Running', podIP: '10.0.0.5' });
    expect(r.body.metadata.labels).toEqual({ app: 'st' });
    const p = await call(
      api.url,
      'PATCH',
      `${podsPath('t1')}/st/status`,
      { status: { podIPs: [{ ip: '10.0.0.5' }] } },
      'application/merge-patch+json',
    );
    expect(p.body.status.podIPs).toEqual([{ ip: '10.0.0.5' }]);
    const main = await call(
      api.url,
      'PATCH',
      `${podsPath('t1')}/st`,
      { status: { phase: 'Failed' } },
      'application/merge-patch+json',
    );
    expect(main.body.status.phase).toBe('Running');
  });

  it('supports generateName, json-patch and label/field selectors on lists', async () => {
    const g = await call(
      api.url,
      'POST',
      podsPath('t1'),
      makePod('', 't1', (p) => {
        delete p.metadata.name;
        p.metadata.generateName = 'gen-';
        p.metadata.labels = { role: 'gen' };
        p.spec.nodeName = 'node-a';
      }),
    );
    expect(g.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const name = g.body.metadata.name as string;
    const jp = [
      { op: 'add', path: '/metadata/labels/extra', value: 'y' },
      { op: 'test', path: '/metadata/labels/role', value: 'gen' },
    ];
    expect(
      (await call(api.url, 'PATCH', `${podsPath('t1')}/${name}`, jp, 'application/json-patch+json'))
        .body.metadata.labels,
    ).toEqual({ role: 'gen', extra: 'y' });
    const cases: [string, string[]][] = [
      ['labelSelector=role%3Dgen,extra', [name]],
      ['labelSelector=!extra,role', []],
      ['labelSelector=role%20notin%20(gen)&fieldSelector=metadata.name%3D' + name, []],
      ['fieldSelector=spec.nodeName%3Dnode-a', [name]],
      ['fieldSelector=status.phase%3DPending,spec.nodeName%21%3Dnode-a&labelSelector=role', []],
    ];
    for (const [q, want] of cases) {
      const r = await call(api.url, 'GET', `/api/v1/pods?${q}`);
      expect(
        r.body.items.map((i: any) => i.metadata.name),
        q,
      ).toEqual(want);
    }
    expect((await call(api.url, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3D1')).status).toBe(
      400,
    );
  });

  it('pages lists with limit/continue from one snapshot, and 410s a continue after compaction', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('paged'));
    for (let i = 0; i < 5; i++)
      await call(api.url, 'POST', podsPath('paged'), makePod(`p${i}`, 'paged'));
    const first = await call(api.url, 'GET', `${podsPath('paged')}?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    await call(api.url, 'DELETE', `${podsPath('paged')}/p4`);
    const names: string[] = first.body.items.map((i: any) => i.metadata.name);
    let cont = first.body.metadata.continue as string | undefined;
    while (cont) {
      const next = await call(
        api.url,
        'GET',
        `${podsPath('paged')}?limit=2&continue=${encodeURIComponent(cont)}`,
      );
      expect(next.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      names.push(...next.body.items.map((i: any) => i.metadata.name));
      cont = next.body.metadata.continue;
    }
    expect(names).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    const again = await call(api.url, 'GET', `${podsPath('paged')}?limit=1`);
    api.compact();
    const gone = await call(
      api.url,
      'GET',
      `${podsPath('paged')}?limit=1&continue=${encodeURIComponent(again.body.metadata.continue)}`,
    );
    expect(gone.status).toBe(410);
    expect(gone.body.reason).toBe('Expired');
  });

  it('deleting a namespace deletes its pods and policies with DELETED events', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('doomed'));
    await call(api.url, 'POST', podsPath('doomed'), makePod('a', 'doomed'));
    await call(api.url, 'POST', netpolPath('doomed'), makeNetworkPolicy('n', 'doomed'));
    const rv = api.resourceVersion();
    expect((await call(api.url, 'DELETE', '/api/v1/namespaces/doomed')).status).toBe(200);
    const pods = await collectWatch(api.url, `/api/v1/pods?watch=true&resourceVersion=${rv}`, {
      until: (e) => e.length >= 1,
    });
    expect(pods.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['DELETED a']);
    expect((await call(api.url, 'GET', `${netpolPath('doomed')}/n`)).status).toBe(404);
    expect((await call(api.url, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('keeps the kubernetes.io/metadata.name label and skips no-op writes', async () => {
    const ns = await call(api.url, 'GET', '/api/v1/namespaces/t1');
    expect(ns.body.metadata.labels['kubernetes.io/metadata.name']).toBe('t1');
    const patched = await call(
      api.url,
      'PATCH',
      '/api/v1/namespaces/t1',
      { metadata: { labels: { 'kubernetes.io/metadata.name': 'other' } } },
      'application/merge-patch+json',
    );
    expect(patched.body.metadata.labels['kubernetes.io/metadata.name']).toBe('t1');
    expect(patched.body.metadata.resourceVersion).toBe(ns.body.metadata.resourceVersion);
  });

  it('injectRaw stores an invalid policy that the API would reject', async () => {
    const bad = makeNetworkPolicy(
      'raw',
      't1',
      (np) => (np.spec.ingress = [{ ports: [{ port: 70000 }] }]),
    );
    expect((await call(api.url, 'POST', netpolPath('t1'), bad)).status).toBe(422);
    const stored = api.injectRaw('networkpolicies', bad);
    expect(stored.metadata.resourceVersion).toBeDefined();
    const got = await call(api.url, 'GET', `${netpolPath('t1')}/raw`);
    expect(got.body.spec.ingress[0].ports[0]).toEqual({ port: 70000 });
    expect(api.stats()['create networkpolicies']).toBeGreaterThan(0);
  });
});
