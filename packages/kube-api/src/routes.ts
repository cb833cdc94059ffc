/**
 * Request plumbing for the fake API server: path parsing, discovery lookup,
 * body reading and JSON answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as discovery from './discovery.js';
import { NAMESPACES, findResource, type ResourceDef } from './resources.js';
import { makeStatus, statusError } from './status.js';
import type { IncludeObject } from './table.js';

const MAX_BODY = 3 * 1024 * 1024;

export interface Route {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watchPrefix: boolean;
}

/** A discovery/health document for `path`: undefined if not one, null for a 404. */
export function discoveryDoc(
  path: string,
  serverAddress: string,
): object | string | null | undefined {
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return 'ok';
  if (path === '/version') return discovery.versionInfo();
  if (path === '/api') return discovery.apiVersions(serverAddress);
  if (path === '/apis') return discovery.apiGroupList();
  if (path === '/openapi/v3') return discovery.openApiV3Index();
  if (path.startsWith('/openapi/'))
    return discovery.openApiV3Doc(path.slice('/openapi/v3/'.length)) ?? null;
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
  if (!m) return undefined;
  if (m[1]) return discovery.apiResourceList('', m[1]) ?? null;
  if (m[3]) return discovery.apiResourceList(m[2] ?? '', m[3]) ?? null;
  return discovery.apiGroupDoc(m[2] ?? '') ?? null;
}

export function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** Parses `/api/v1/...` and `/apis/<g>/<v>/...` resource paths. */
export function parseResourcePath(path: string): Route | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3] ?? '';
  const segs = (m[4] ?? '').split('/').map(decodeURIComponent);
  const watchPrefix = segs[0] === 'watch';
  if (watchPrefix) segs.shift();
  let namespace: string | undefined;
  if (
    segs[0] === 'namespaces' &&
    segs.length >= 3 &&
    findResource(group, version, segs[2] ?? '')?.namespaced
  ) {
    namespace = segs[1];
    segs.splice(0, 2);
  }
  const def = findResource(group, version, segs[0] ?? '');
  if (!def || segs.length > 3) return undefined;
  if (namespace === undefined && def.namespaced && segs.length > 1) return undefined;
  if (namespace !== undefined && def === NAMESPACES) return undefined;
  return { def, namespace, name: segs[1], subresource: segs[2], watchPrefix };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY)
      throw statusError(
        makeStatus(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
      );
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendBytes(res: ServerResponse, contentType: string, body: Buffer): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}
