/**
 * One watch stream: newline-delimited JSON events over a chunked HTTP response.
 *
 * Ordering guarantee: the replay (synthetic ADDED for "0"/absent, or history after
 * the requested revision) and the store subscription happen in the same
 * synchronous step, so no event can fall between them or be sent twice. Selector
 * transitions follow the real watch cache: an object that stops matching is sent
 * as DELETED, one that starts matching as ADDED.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceDef } from './resources.js';
import type { Matcher } from './selectors.js';
import { expired } from './status.js';
import type { ObjectStore, StoreEvent } from './store.js';
import { toTable, type IncludeObject } from './table.js';
import type { KubeObject, WatchEventType } from './types.js';

export interface WatchParams {
  def: ResourceDef;
  namespace: string | undefined;
  matcher: Matcher;
  /** Raw `resourceVersion` query value. */
  resourceVersion: string | undefined;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  table: IncludeObject | undefined;
}

type BookmarkOrError = 'BOOKMARK' | 'ERROR';

export class WatchStream {
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly params: WatchParams,
    private readonly res: ServerResponse,
    private readonly onClose: (w: WatchStream) => void,
  ) {}

  /** Starts streaming; the HTTP status has not been written yet. */
  start(): void {
    const p = this.params;
    this.res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    this.res.flushHeaders();
    this.res.on('close', () => this.close());
    const rv = p.resourceVersion;
    if (!rv || rv === '0' || p.sendInitialEvents) {
      for (const o of this.store.list(p.def.plural, p.namespace))
        if (p.matcher(o)) this.send('ADDED', o);
      if (p.sendInitialEvents && p.allowBookmarks) this.bookmark(true);
    } else {
      const from = Number(rv);
      const events = this.store.eventsSince(p.def.plural, from);
      if (events === 'expired') {
        const floor = this.store.oldestResumableRv();
        this.write('ERROR', expired(`too old resource version: ${rv} (${floor})`));
        this.close();
        return;
      }
      for (const e of events) this.deliver(e);
    }
    this.unsubscribe = this.store.subscribe((e) => {
      if (e.resource === p.def.plural) this.deliver(e);
    });
    if (p.allowBookmarks)
      this.timers.push(setInterval(() => this.bookmark(false), p.bookmarkIntervalMs));
    if (p.timeoutSeconds !== undefined)
      this.timers.push(setTimeout(() => this.close(), p.timeoutSeconds * 1000));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
  }

  private deliver(e: StoreEvent): void {
    const p = this.params;
    const inNs = (o: KubeObject): boolean => !p.namespace || o.metadata.namespace === p.namespace;
    const now = inNs(e.object) && p.matcher(e.object);
    const before = e.prev !== undefined && inNs(e.prev) && p.matcher(e.prev);
    switch (e.type) {
      case 'ADDED':
        if (now) this.send('ADDED', e.object);
        break;
      case 'MODIFIED':
        if (now && before) this.send('MODIFIED', e.object);
        else if (before) this.send('DELETED', e.object);
        else if (now) this.send('ADDED', e.object);
        break;
      case 'DELETED':
        if (before) this.send('DELETED', e.object);
        break;
    }
  }

  private bookmark(initialEventsEnd: boolean): void {
    const def = this.params.def;
    const metadata: Record<string, unknown> = { resourceVersion: String(this.store.currentRv()) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    this.write('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def), metadata });
  }

  private send(type: WatchEventType, obj: KubeObject): void {
    const p = this.params;
    const body = p.table
      ? toTable(p.def, [obj], {
          include: p.table,
          listMeta: { resourceVersion: obj.metadata.resourceVersion },
        })
      : obj;
    this.write(type, body);
  }

  private write(type: WatchEventType | BookmarkOrError, object: unknown): void {
    if (this.closed || this.res.writableEnded) return;
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }
}
