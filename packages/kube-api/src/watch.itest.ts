/* eslint-disable @typescript-eslint/no-unsafe-return -- assertions on arbitrary JSON answers */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import {
  call,
  collectWatch,
  makeNamespace,
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

describe('watch', () => {
  it('resumes from a resourceVersion', async () => {
    const created = await call(api.url, 'POST', podsPath('t1'), makePod('w1', 't1'));
    const rv = created.body.metadata.resourceVersion as string;
    await call(
      api.url,
      'PATCH',
      `${podsPath('t1')}/w1`,
      { metadata: { labels: { x: '1' } } },
      'application/merge-patch+json',
    );
    await call(api.url, 'DELETE', `${podsPath('t1')}/w1`);
    const r = await collectWatch(api.url, `${podsPath('t1')}?watch=true&resourceVersion=${rv}`, {
      until: (e) => e.length >= 2,
    });
    expect(r.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'MODIFIED w1',
      'DELETED w1',
    ]);
    expect(Number(r.events[1]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it('sends synthetic ADDED for resourceVersion 0, then live events', async () => {
    await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('w0'));
    await call(api.url, 'POST', podsPath('w0'), makePod('w2', 'w0'));
    const r = await collectWatch(api.url, `/api/v1/watch/namespaces/w0/pods?resourceVersion=0`, {
      until: (e) => e.some((x) => x.object.metadata.name === 'w3'),
      onOpen: () => void call(api.url, 'POST', podsPath('w0'), makePod('w3', 'w0')),
    });
    expect(r.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w2',
      'ADDED w3',
    ]);
  });

  it('answers 410 Expired for a compacted resourceVersion', async () => {
    const rv = api.resourceVersion();
    await call(api.url, 'POST', podsPath('t1'), makePod('w4', 't1'));
    api.compact();
    const r = await collectWatch(api.url, `${podsPath('t1')}?watch=1&resourceVersion=${rv - 1}`);
    expect(r.ended).toBe(true);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });

  it('turns an object that stops matching the selector into DELETED', async () => {
    await call(
      api.url,
      'POST',
      podsPath('t1'),
      makePod('sel', 't1', (p) => (p.metadata.labels = { tier: 'a' })),
    );
    const rv = api.resourceVersion();
    const patch = (tier: string): Promise<unknown> =>
      call(
        api.url,
        'PATCH',
        `${podsPath('t1')}/sel`,
        { metadata: { labels: { tier } } },
        'application/strategic-merge-patch+json',
      );
    await patch('b');
    await patch('a');
    const r = await collectWatch(
      api.url,
      `${podsPath('t1')}?watch=true&resourceVersion=${rv}&labelSelector=tier%20in%20(a)`,
      {
        until: (e) => e.length >= 2,
      },
    );
    expect(r.events.map((e) => e.type)).toEqual(['DELETED', 'ADDED']);
  });

  it('sends bookmarks and honours timeoutSeconds', async () => {
    const start = Date.now();
    const r = await collectWatch(
      api.url,
      `${netpolPath('t1')}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${api.resourceVersion()}`,
    );
    expect(r.ended).toBe(true);
    expect(Date.now() - start).toBeLessThan(3000);
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events.every((e) => e.type === 'BOOKMARK' && e.object.kind === 'NetworkPolicy')).toBe(
      true,
    );
  });

  it('watches one object by fieldSelector', async () => {
    await call(api.url, 'POST', podsPath('t1'), makePod('one', 't1'));
    const r = await collectWatch(
      api.url,
      `/api/v1/pods?watch=true&fieldSelector=metadata.name%3Done,metadata.namespace%3Dt1`,
      {
        until: (e) => e.length >= 1,
      },
    );
    expect(r.events.map((e) => e.object.metadata.name)).toEqual(['one']);
  });
});
