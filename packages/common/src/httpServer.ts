import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

export interface HealthChecks {
  /** The process is alive and not wedged. */
  live: () => boolean;
  /** The component does its job (in sync, first apply done, …). */
  ready: () => boolean;
}

export interface ObservabilityServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Creates a metrics registry with the Node.js default metrics, prefixed per component. */
export function createRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `${prefix}_` });
  return registry;
}

/** Serves `/metrics`, `/livez` and `/readyz`. Port 0 picks a free port. */
export async function startObservabilityServer(opts: {
  host?: string;
  port: number;
  registry: Registry;
  health: HealthChecks;
}): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    if (path === '/livez' || path === '/readyz') {
      const ok = path === '/livez' ? opts.health.live() : opts.health.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not ready\n');
      return;
    }
    res.writeHead(404);
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
