/**
 * HTTP routing for the fake API server: discovery, the resource REST paths
 * (`/api/v1/...`, `/apis/<group>/<version>/...`, legacy `/watch/` prefixes) and
 * request accounting. Handlers throw PalisadeErrors carrying a metav1.Status,
 * which become the HTTP answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deleteOptions } from './deletion.js';
import { hasDeleteCollection, versionInfo } from './discovery.js';
import {
  duplicateFields,
  parseFieldValidation,
  warningHeader,
  type FieldValidation,
} from './fieldValidation.js';
import { ListPager, listBody } from './list.js';
import {
  OPENAPI_V2_PROTOBUF,
  PROTOBUF,
  decodeKubeProtobuf,
  openApiV2Protobuf,
} from './protobuf.js';
import { parseJson, type Registry } from './registry.js';
import { combine, fieldMatcher, labelMatcher } from './selectors.js';
import {
  badRequest,
  expired,
  makeStatus,
  methodNotAllowed,
  statusError,
  statusOf,
} from './status.js';
import {
  discoveryDoc,
  includeObject,
  parseResourcePath,
  readBody,
  sendBytes,
  sendJson,
  sendText,
  type Route,
} from './routes.js';
import { toTable, wantsTable } from './table.js';
import type { KubeObject } from './types.js';
import { WatchStream, type WatchParams } from './watch.js';

/**
 * The request body as text: JSON (and the patch/apply types, which the registry
 * checks), or a protobuf body from kubectl's typed clients converted to JSON.
 */
function decodeBody(req: IncomingMessage, raw: Buffer): string {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (raw.length === 0) return '';
  if (type === PROTOBUF) return JSON.stringify(decodeKubeProtobuf(raw));
  if (type === '' || type.endsWith('json') || type.endsWith('yaml')) return raw.toString('utf8');
  throw statusError(
    makeStatus(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${PROTOBUF}; got ${type}`,
    ),
  );
}

const OPTIONS_KIND: Record<string, string> = {
  POST: 'CreateOptions',
  PUT: 'UpdateOptions',
  PATCH: 'PatchOptions',
};

/** fieldValidation for a write; duplicate keys are looked for only in a full JSON object. */
interface FieldCheck {
  fieldValidation: FieldValidation | undefined;
  warnings: string[];
  duplicates(body: string): string[];
}

function fieldCheck(method: string, q: URLSearchParams): FieldCheck {
  const kind = OPTIONS_KIND[method];
  const fieldValidation = kind ? parseFieldValidation(q, kind) : undefined;
  return {
    fieldValidation,
    warnings: [],
    duplicates: (body) =>
      fieldValidation === 'Ignore' || !body.trimStart().startsWith('{')
        ? []
        : duplicateFields(body),
  };
}

export interface ServerOptions {
  bookmarkIntervalMs: number;
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
      const body = decodeBody(req, await readBody(req));
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
    if (path === '/openapi/v2') {
      this.count('discovery');
      const version = String(versionInfo().gitVersion);
      if ((req.headers.accept ?? '').includes('protobuf'))
        sendBytes(res, OPENAPI_V2_PROTOBUF, openApiV2Protobuf(version));
      else
        sendJson(res, 200, { swagger: '2.0', info: { title: 'Kubernetes', version }, paths: {} });
      return;
    }
    const doc = discoveryDoc(path, this.serverAddress);
    if (doc !== undefined) {
      this.count('discovery');
      if (doc === null)
        sendJson(
          res,
          404,
          makeStatus(404, 'NotFound', 'the server could not find the requested resource'),
        );
      else if (typeof doc === 'string') sendText(res, doc);
      else sendJson(res, 200, doc);
      return;
    }
    const r = parseResourcePath(path);
    if (!r)
      throw statusError(
        makeStatus(404, 'NotFound', 'the server could not find the requested resource'),
      );
    this.resource(req, res, r, { q: url.searchParams, body });
  }

  private resource(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    ctx: { q: URLSearchParams; body: string },
  ): void {
    const { def, namespace: ns, name, subresource: sub } = r;
    const q = ctx.q;
    const method = req.method ?? 'GET';
    const dryRun = q.getAll('dryRun').includes('All');
    const resName = sub ? `${def.plural}/${sub}` : def.plural;
    if (sub && (sub !== 'status' || !def.hasStatus))
      throw statusError(
        makeStatus(404, 'NotFound', 'the server could not find the requested resource'),
      );
    const isWatch = r.watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1';
    if (method === 'GET' && (isWatch || !name)) {
      this.count(`${isWatch ? 'watch' : 'list'} ${resName}`);
      const fs = name
        ? [q.get('fieldSelector'), `metadata.name=${name}`].filter(Boolean).join(',')
        : q.get('fieldSelector');
      if (isWatch) this.watch(req, res, r, q, fs);
      else this.list(req, res, r, q);
      return;
    }
    const table = wantsTable(req.headers.accept) ? includeObject(q) : undefined;
    const check = fieldCheck(method, q);
    const reply = (code: number, o: KubeObject): void => {
      if (check.warnings.length > 0) res.setHeader('Warning', check.warnings.map(warningHeader));
      if (table)
        sendJson(
          res,
          code,
          toTable(def, [o], {
            include: table,
            listMeta: { resourceVersion: o.metadata.resourceVersion },
          }),
        );
      else sendJson(res, code, o);
    };
    const nsArg = def.namespaced ? ns : undefined;
    if (!name) {
      if (method === 'POST') {
        this.count(`create ${resName}`);
        const obj = parseJson(ctx.body);
        const { fieldValidation, warnings } = check;
        const opts = {
          dryRun,
          fieldValidation,
          warnings,
          duplicateFields: check.duplicates(ctx.body),
        };
        reply(201, this.registry.create(def, nsArg, obj, opts));
      } else if (method === 'DELETE' && hasDeleteCollection(def)) {
        this.count(`deletecollection ${resName}`);
        const matcher = combine(
          labelMatcher(q.get('labelSelector')),
          fieldMatcher(def, q.get('fieldSelector')),
        );
        const victims = this.registry.store.list(def.plural, nsArg).filter(matcher);
        const options = deleteOptions(q, ctx.body ? parseJson(ctx.body) : undefined);
        const items = victims.map((o) =>
          this.registry.delete(def, o.metadata.namespace, o.metadata.name ?? '', options, {
            dryRun,
          }),
        );
        sendJson(
          res,
          200,
          listBody(def, {
            items,
            metadata: { resourceVersion: String(this.registry.store.currentRv()) },
          }),
        );
      } else throw methodNotAllowed();
      return;
    }
    this.item(req, res, { route: r, name, resName, dryRun, body: ctx.body, q, reply, check });
  }

  private item(
    req: IncomingMessage,
    res: ServerResponse,
    c: {
      route: Route;
      name: string;
      resName: string;
      dryRun: boolean;
      body: string;
      q: URLSearchParams;
      reply: (code: number, o: KubeObject) => void;
      check: FieldCheck;
    },
  ): void {
    const { def, subresource: sub } = c.route;
    const { name, resName, reply } = c;
    const nsArg = def.namespaced ? c.route.namespace : undefined;
    const ctx = { body: c.body };
    const opts = {
      dryRun: c.dryRun,
      subresource: sub === 'status' ? ('status' as const) : undefined,
      fieldValidation: c.check.fieldValidation,
      warnings: c.check.warnings,
    };
    switch (req.method ?? 'GET') {
      case 'GET':
        this.count(`get ${resName}`);
        reply(200, this.registry.get(def, nsArg, name));
        return;
      case 'PUT': {
        this.count(`update ${resName}`);
        const obj = parseJson(ctx.body);
        const duplicateFields = c.check.duplicates(ctx.body);
        reply(200, this.registry.update(def, nsArg, name, obj, { ...opts, duplicateFields }));
        return;
      }
      case 'PATCH': {
        this.count(`patch ${resName}`);
        const existed = this.registry.store.get(def.plural, nsArg, name) !== undefined;
        const contentType = req.headers['content-type'] ?? '';
        reply(
          existed ? 200 : 201,
          this.registry.patch(def, nsArg, name, { contentType, body: ctx.body }, opts),
        );
        return;
      }
      case 'DELETE':
        this.count(`delete ${resName}`);
        reply(
          200,
          this.registry.delete(
            def,
            nsArg,
            name,
            deleteOptions(c.q, ctx.body ? parseJson(ctx.body) : undefined),
            opts,
          ),
        );
        return;
      default:
        throw methodNotAllowed();
    }
  }

  private list(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const { def } = r;
    const matcher = combine(
      labelMatcher(q.get('labelSelector')),
      fieldMatcher(def, q.get('fieldSelector')),
    );
    const rv = q.get('resourceVersion');
    const store = this.registry.store;
    if (q.get('resourceVersionMatch') === 'Exact' && rv && Number(rv) !== store.currentRv()) {
      throw statusError(expired(`too old resource version: ${rv} (${store.currentRv()})`));
    }
    const limit = Number(q.get('limit') ?? '0');
    if (!Number.isInteger(limit) || limit < 0)
      throw badRequest(`invalid limit: ${q.get('limit') ?? ''}`);
    const ns = def.namespaced ? r.namespace : undefined;
    const page = this.pager.page(
      () => ({ items: store.list(def.plural, ns).filter(matcher), rv: store.currentRv() }),
      limit,
      q.get('continue') ?? undefined,
    );
    const include = wantsTable(req.headers.accept) ? includeObject(q) : undefined;
    sendJson(
      res,
      200,
      include
        ? toTable(def, page.items, { include, listMeta: page.metadata })
        : listBody(def, page),
    );
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    q: URLSearchParams,
    fs: string | null,
  ): void {
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
    if (
      params.resourceVersion &&
      params.resourceVersion !== '0' &&
      !/^\d+$/.test(params.resourceVersion)
    ) {
      throw badRequest(`invalid resource version: ${params.resourceVersion}`);
    }
    const w = new WatchStream(this.registry.store, params, res, (x) => this.watches.delete(x));
    this.watches.add(w);
    w.start();
  }
}
