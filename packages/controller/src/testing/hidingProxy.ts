/**
 * A reverse proxy in front of the test API server that can pretend one API group is
 * not installed (404 for every path under it, as for a missing CRD), and install it
 * later. Integration tests point the controller's kubeconfig at it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeconfigYaml } from '@palisade/kube-api';

export interface HidingProxy {
  url: string;
  kubeconfigPath: string;
  /** While true, paths under the hidden prefix answer 404 and open streams there are cut. */
  hidden: boolean;
  /** Requests answered 404 so far. */
  refused: number;
  stop(): Promise<void>;
}

export async function startHidingProxy(target: string, hiddenPrefix: string): Promise<HidingProxy> {
  const base = new URL(target);
  const open = new Set<http.ServerResponse>();
  const state = { hidden: true, refused: 0 };
  const server = http.createServer((req, res) => {
    const hiddenPath = (req.url ?? '').startsWith(hiddenPrefix);
    if (hiddenPath && state.hidden) {
      state.refused++;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' }));
      return;
    }
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // Watch responses may carry no body for a long while: without this the client
        // would wait for the headers until the first event.
        res.flushHeaders();
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    if (hiddenPath) {
      open.add(res);
      res.on('close', () => open.delete(res));
    }
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'pal-proxy-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(url));
  return {
    url,
    kubeconfigPath,
    get hidden() {
      return state.hidden;
    },
    set hidden(v: boolean) {
      state.hidden = v;
      // A removed CRD ends its watches; the reconnect then gets 404.
      if (v) for (const res of open) res.destroy();
    },
    get refused() {
      return state.refused;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
