import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCodeOf } from './kubeHttp.js';
import { listAll } from './kubeList.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

/** An API server that pages `total` pods, `limit` at a time; `gone` answers 410 to continues. */
async function serve(total: number, opts: { gone?: boolean } = {}): Promise<{ conn: Parameters<typeof listAll>[0]; requests: string[] }> {
  const requests: string[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${url.pathname}${url.search}`);
    const limit = Number(url.searchParams.get('limit') ?? total);
    const token = url.searchParams.get('continue');
    if (token && opts.gone) {
      res.writeHead(410, { 'content-type': 'application/json' }).end('{"kind":"Status","code":410}');
      return;
    }
    const start = token ? Number(token.replace('from-', '')) : 0;
    const end = Math.min(total, start + limit);
    const items = Array.from({ length: end - start }, (_, i) => ({ metadata: { name: `p-${start + i}`, managedFields: [1] } }));
    const metadata = { resourceVersion: token ? 'later' : '100', ...(end < total ? { continue: `from-${end}` } : {}) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', metadata, items }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    conn: { getCurrentCluster: () => ({ server: `http://127.0.0.1:${port}` }), applyToHTTPSOptions: () => Promise.resolve() },
  };
}

describe('listAll', () => {
  it.each([
    [0, 1],
    [3, 1],
    [10, 4],
    [12, 4],
  ])('lists %i objects in %i pages of 3, at the first page’s resourceVersion', async (total, pages) => {
    const { conn, requests } = await serve(total);
    const list = await listAll(conn, '/api/v1/pods', { limit: 3 });
    expect(list.items.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual(
      Array.from({ length: total }, (_, i) => `p-${i}`),
    );
    expect(list.metadata.resourceVersion).toBe('100');
    expect(requests).toHaveLength(pages);
    expect(requests[0]).toBe('/api/v1/pods?limit=3');
  });

  it('compacts every item as its page arrives', async () => {
    const { conn } = await serve(5);
    const list = await listAll(conn, '/api/v1/pods', { limit: 2, compact: (o) => ({ metadata: { name: (o as { metadata: { name: string } }).metadata.name } }) });
    expect(list.items).toEqual(Array.from({ length: 5 }, (_, i) => ({ metadata: { name: `p-${i}` } })));
  });

  it('fails with the status code when a continue token has expired (the informer lists again)', async () => {
    const { conn } = await serve(5, { gone: true });
    const err = await listAll(conn, '/api/v1/pods', { limit: 2 }).catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(410);
  });
});
