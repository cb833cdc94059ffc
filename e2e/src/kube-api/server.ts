/**
 * HTTP routing for the fake API server: discovery, the resource REST paths
 * (`/api/v1/...`, `/apis/<group>/<version>/...`, legacy `/watch/` prefixes) and
 * request accounting. Handlers throw PalisadeErrors carrying a metav1.Status,
 * which become the HTTP answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as discovery from './discovery.js';
import { ListPager, listBody } from './list.js';
import { parseJson, type Registry } from './registry.js';
import { NAMESPACES, findResource, type ResourceDef } from './resources.js';
import { combine, fieldMatcher, labelMatcher } from './selectors.js';
import { badRequest, expired, makeStatus, methodNotAllowed, statusError, statusOf } from './status.js';
import { toTable, wantsTable, type IncludeObject } from './table.js';
import type { KubeObject } from './types.js';
import { WatchStream, type WatchParams } from './watch.js';

const MAX_BODY = 3 * 1024 * 1024;

export interface ServerOptions {
  bookmarkIntervalMs: number;
}

interface Route {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watchPrefix: boolean;
}

export class ApiHandler {
  readonly watches = new Set<WatchStream>();
  readonly pager = new ListPager();
  private readonly counts = new Map<string, number>();
  serverAddress = '127.0.0.1';

  constructor(
    private readonly registry: Registry,
    private readonly opts: ServerOptions,
  ) {}

  stats(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort());
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const body = await readBody(req);
      this.route(req, res, url, body);
    } catch (err) {
      if (!res.headersSent) sendJson(res, statusOf(err).code, statusOf(err));
      else res.end();
    }
  }

  private count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private route(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const doc = this.discoveryDoc(path);
    if (doc !== undefined) {
      this.count('discovery');
      if (doc === null) sendJson(res, 404, makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
      else if (typeof doc === 'string') sendText(res, doc);
      else sendJson(res, 200, doc);
      return;
    }
    const r = parseResourcePath(path);
    if (!r) throw statusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
    this.resource(req, res, r, { q: url.searchParams, body });
  }

  private discoveryDoc(path: string): object | string | null | undefined {
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return 'ok';
    if (path === '/version') return discovery.versionInfo();
    if (path === '/api') return discovery.apiVersions(this.serverAddress);
    if (path === '/apis') return discovery.apiGroupList();
    if (path === '/openapi/v3') return discovery.openApiV3Index();
    if (path.startsWith('/openapi/')) return discovery.openApiV3Doc(path.slice('/openapi/v3/'.length)) ?? null;
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (!m) return undefined;
    if (m[1]) return discovery.apiResourceList('', m[1]) ?? null;
    if (m[3]) return discovery.apiResourceList(m[2] ?? '', m[3]) ?? null;
    return discovery.apiGroupDoc(m[2] ?? '') ?? null;
  }

  private resource(req: IncomingMessage, res: ServerResponse, r: Route, ctx: { q: URLSearchParams; body: string }): void {
    const { def, namespace: ns, name, subresource: sub } = r;
    const q = ctx.q;
    const method = req.method ?? 'GET';
    const dryRun = q.getAll('dryRun').includes('All');
    const resName = sub ? `${def.plural}/${sub}` : def.plural;
    if (sub && (sub !== 'status' || !def.hasStatus)) throw statusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
    const isWatch = r.watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1';
    if (method === 'GET' && (isWatch || !name)) {
      this.count(`${isWatch ? 'watch' : 'list'} ${resName}`);
      const fs = name ? [q.get('fieldSelector'), `metadata.name=${name}`].filter(Boolean).join(',') : q.get('fieldSelector');
      if (isWatch) this.watch(req, res, r, q, fs);
      else this.list(req, res, r, q);
      return;
    }
    const table = wantsTable(req.headers.accept) ? includeObject(q) : undefined;
    const reply = (code: number, o: KubeObject): void => {
      if (table) sendJson(res, code, toTable(def, [o], { include: table, listMeta: { resourceVersion: o.metadata.resourceVersion } }));
      else sendJson(res, code, o);
    };
    const nsArg = def.namespaced ? ns : undefined;
    if (!name) {
      if (method === 'POST') {
        this.count(`create ${resName}`);
        reply(201, this.registry.create(def, nsArg, parseJson(ctx.body), { dryRun }));
      } else if (method === 'DELETE' && def.namespaced) {
        this.count(`deletecollection ${resName}`);
        const matcher = combine(labelMatcher(q.get('labelSelector')), fieldMatcher(def, q.get('fieldSelector')));
        const victims = this.registry.store.list(def.plural, nsArg).filter(matcher);
        const items = victims.map((o) => this.registry.delete(def, o.metadata.namespace, o.metadata.name ?? '', undefined, { dryRun }));
        sendJson(res, 200, listBody(def, { items, metadata: { resourceVersion: String(this.registry.store.currentRv()) } }));
      } else throw methodNotAllowed();
      return;
    }
    const opts = { dryRun, subresource: sub === 'status' ? ('status' as const) : undefined };
    switch (method) {
      case 'GET':
        this.count(`get ${resName}`);
        reply(200, this.registry.get(def, nsArg, name));
        return;
      case 'PUT':
        this.count(`update ${resName}`);
        reply(200, this.registry.update(def, nsArg, name, parseJson(ctx.body), opts));
        return;
      case 'PATCH': {
        this.count(`patch ${resName}`);
        const existed = this.registry.store.get(def.plural, nsArg, name) !== undefined;
        const contentType = req.headers['content-type'] ?? '';
        reply(existed ? 200 : 201, this.registry.patch(def, nsArg, name, { contentType, body: ctx.body }, opts));
        return;
      }
      case 'DELETE':
        this.count(`delete ${resName}`);
        reply(200, this.registry.delete(def, nsArg, name, ctx.body ? parseJson(ctx.body) : undefined, opts));
        return;
      default:
        throw methodNotAllowed();
    }
  }

  private list(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const { def } = r;
    const matcher = combine(labelMatcher(q.get('labelSelector')), fieldMatcher(def, q.get('fieldSelector')));
    const rv = q.get('resourceVersion');
    const store = this.registry.store;
    if (q.get('resourceVersionMatch') === 'Exact' && rv && Number(rv) !== store.currentRv()) {
      throw statusError(expired(`too old resource version: ${rv} (${store.currentRv()})`));
    }
    const limit = Number(q.get('limit') ?? '0');
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${q.get('limit') ?? ''}`);
    const ns = def.namespaced ? r.namespace : undefined;
    const page = this.pager.page(
      () => ({ items: store.list(def.plural, ns).filter(matcher), rv: store.currentRv() }),
      limit,
      q.get('continue') ?? undefined,
    );
    const include = wantsTable(req.headers.accept) ? includeObject(q) : undefined;
    sendJson(res, 200, include ? toTable(def, page.items, { include, listMeta: page.metadata }) : listBody(def, page));
  }

  private watch(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams, fs: string | null): void {
    const timeout = q.get('timeoutSeconds');
    const params: WatchParams = {
      def: r.def,
      namespace: r.def.namespaced ? r.namespace : undefined,
      matcher: combine(labelMatcher(q.get('labelSelector')), fieldMatcher(r.def, fs)),
      resourceVersion: q.get('resourceVersion') ?? undefined,
      sendInitialEvents: q.get('sendInitialEvents') === 'true',
      timeoutSeconds: timeout ? Number(timeout) : undefined,
      allowBookmarks: q.get('allowWatchBookmarks') === 'true',
      bookmarkIntervalMs: this.opts.bookmarkIntervalMs,
      table: wantsTable(req.headers.accept) ? includeObject(q) : undefined,
    };
    if (params.resourceVersion && params.resourceVersion !== '0' && !/^\d+$/.test(params.resourceVersion)) {
      throw badRequest(`invalid resource version: ${params.resourceVersion}`);
    }
    const w = new WatchStream(this.registry.store, params, res, (x) => this.watches.delete(x));
    this.watches.add(w);
    w.start();
  }
}

function includeObject(q: URLSearchParams): IncludeObject {
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
  if (segs[0] === 'namespaces' && segs.length >= 3 && findResource(group, version, segs[2] ?? '')?.namespaced) {
    namespace = segs[1];
    segs.splice(0, 2);
  }
  const def = findResource(group, version, segs[0] ?? '');
  if (!def || segs.length > 3) return undefined;
  if (namespace === undefined && def.namespaced && segs.length > 1) return undefined;
  if (namespace !== undefined && def === NAMESPACES) return undefined;
  return { def, namespace, name: segs[1], subresource: segs[2], watchPrefix };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw statusError(makeStatus(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
