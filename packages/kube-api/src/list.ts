/**
 * List responses with `limit`/`continue` paging. A paged list is served from a
 * snapshot taken at its first page, so every page reflects the same revision (as
 * etcd serves continues at the first page's revision); compaction drops the
 * snapshots, after which an old continue token answers 410 like the real server.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceDef } from './resources.js';
import { badRequest, expired, statusError } from './status.js';
import type { KubeObject } from './types.js';

interface Snapshot {
  items: KubeObject[];
  rv: number;
}

export interface ListPage {
  items: KubeObject[];
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

const MAX_SNAPSHOTS = 64;

const TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export class ListPager {
  private readonly snapshots = new Map<string, Snapshot>();

  /** Pages `all` (already filtered, sorted) or continues an earlier paged list. */
  page(
    all: () => { items: KubeObject[]; rv: number },
    limit: number,
    cont: string | undefined,
  ): ListPage {
    let snap: Snapshot;
    let start = 0;
    if (cont) {
      const [id, offset] = this.decode(cont);
      const found = this.snapshots.get(id);
      if (!found) throw statusError(expired(TOO_OLD));
      snap = found;
      start = offset;
    } else {
      snap = all();
    }
    const end = limit > 0 ? Math.min(start + limit, snap.items.length) : snap.items.length;
    const page: ListPage = {
      items: snap.items.slice(start, end),
      metadata: { resourceVersion: String(snap.rv) },
    };
    if (end < snap.items.length) {
      const id = cont ? this.decode(cont)[0] : this.remember(snap);
      page.metadata.continue = Buffer.from(
        JSON.stringify({ v: 'meta.k8s.io/v1', id, start: end }),
      ).toString('base64');
      page.metadata.remainingItemCount = snap.items.length - end;
    }
    return page;
  }

  clear(): void {
    this.snapshots.clear();
  }

  private remember(snap: Snapshot): string {
    const id = randomUUID();
    this.snapshots.set(id, snap);
    if (this.snapshots.size > MAX_SNAPSHOTS) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
    return id;
  }

  private decode(token: string): [string, number] {
    try {
      const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
        id?: unknown;
        start?: unknown;
      };
      if (typeof o.id === 'string' && typeof o.start === 'number') return [o.id, o.start];
    } catch {
      // fall through
    }
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

/** A typed list body as the real server encodes it (items without kind/apiVersion). */
export function listBody(def: ResourceDef, page: ListPage): Record<string, unknown> {
  const items = page.items.map((o) => {
    const c: Record<string, unknown> = { ...o };
    delete c.kind;
    delete c.apiVersion;
    return c;
  });
  return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: page.metadata, items };
}
