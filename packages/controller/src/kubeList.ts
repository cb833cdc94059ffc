/**
 * Lists a resource as plain JSON, page by page (`limit` + `continue`, as kubectl does).
 *
 * One unpaged list of 100k pods is a ~100 MB response parsed by one JSON.parse: over
 * a second with the event loop blocked, and the text, the parsed objects and their
 * compact copies all alive at once. Pages keep each parse short (the awaits between
 * them let timers and I/O run) and let every page's full objects be collected as soon
 * as `compact` has copied what translation needs. The API server serves every page at
 * the first page's resourceVersion, so the pages form one consistent list; an expired
 * continue token is an HTTP 410, on which the informer lists again from scratch.
 */
import { httpError, kubeRequest, type KubeConnection } from './kubeHttp.js';

export interface ListedPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[] | null;
}

export interface KubeList {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string };
  items: unknown[];
}

export interface ListOptions {
  /** Objects per page; default 500. */
  limit?: number;
  /** Applied to every item as its page arrives. */
  compact?: (obj: unknown) => unknown;
}

export async function listAll(conn: KubeConnection, path: string, opts: ListOptions = {}): Promise<KubeList> {
  const limit = opts.limit ?? 500;
  const compact = opts.compact ?? ((o: unknown) => o);
  const items: unknown[] = [];
  let resourceVersion: string | undefined;
  let token: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const query = `limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const res = await kubeRequest(conn, { method: 'GET', path: `${path}${sep}${query}` });
    if (res.statusCode !== 200) throw httpError(`list ${path}`, res);
    const page = JSON.parse(res.text) as ListedPage;
    for (const item of page.items ?? []) items.push(compact(item));
    // The first page names the list's revision; later pages repeat it.
    resourceVersion ??= page.metadata?.resourceVersion;
    token = page.metadata?.continue || undefined;
  } while (token);
  return { metadata: resourceVersion === undefined ? {} : { resourceVersion }, items };
}
