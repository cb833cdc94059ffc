/**
 * Plain JSON requests to the Kubernetes API server with a kubeconfig's server,
 * credentials and TLS settings. The connection is described structurally, so only
 * informers.ts imports @kubernetes/client-node (its KubeConfig satisfies it).
 */
import http from 'node:http';
import https from 'node:https';
import { PalisadeError } from '@palisade/common';

export interface KubeConnection {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

export interface KubeResponse {
  statusCode: number;
  text: string;
}

export interface KubeRequest {
  method: 'GET' | 'PUT';
  path: string;
  body?: unknown;
  timeoutMs?: number;
}

export async function kubeRequest(conn: KubeConnection, req: KubeRequest): Promise<KubeResponse> {
  const cluster = conn.getCurrentCluster();
  if (!cluster) throw new PalisadeError('INVALID_INPUT', 'kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + req.path);
  const opts: https.RequestOptions = {};
  await conn.applyToHTTPSOptions(opts);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string | string[] | number> = { ...(opts.headers as Record<string, string>), accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise<KubeResponse>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const r = transport.request(url, { ...opts, headers, method: req.method, timeout: req.timeoutMs ?? 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('timeout', () => r.destroy(new PalisadeError('TIMEOUT', `${req.method} ${req.path} timed out`)));
    r.on('error', reject);
    r.end(payload);
  });
}

/** An HTTP failure as a PalisadeError that carries `statusCode` (client-node's informer reads it). */
export function httpError(what: string, res: KubeResponse): PalisadeError {
  const err = new PalisadeError('UNAVAILABLE', `${what}: HTTP ${res.statusCode}`, {
    fields: { body: res.text.slice(0, 500) },
  });
  Object.assign(err, { statusCode: res.statusCode });
  return err;
}

export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  return typeof e.code === 'number' ? e.code : undefined;
}
