/**
 * FileLastGoodStore: the last good value of each local endpoint, kept in a file so
 * that an agent restarted while a value is unreadable still polices that pod exactly
 * as before (see ValidationFilter).
 *
 * Writes are coalesced: set() marks the store dirty and one write happens on the next
 * turn of the event loop, so a burst of endpoint updates costs one write. Each write
 * goes to a temporary file that is renamed over the old one, so a crash leaves either
 * the old or the new content, never a torn file. A file that cannot be read is
 * reported and ignored: losing it only loses the restart guarantee, never access.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@palisade/common';
import { decodeStoredValue, errorMessage, type Endpoint } from '@palisade/model';
import type { LastGoodStore } from './validationFilter.js';

const FORMAT_VERSION = 1;

interface StoredFile {
  version: number;
  node: string;
  endpoints: Record<string, unknown>;
}

export class FileLastGoodStore implements LastGoodStore {
  private readonly file: string;
  private readonly values = new Map<string, Endpoint>();
  private pending = false;

  constructor(private readonly opts: { dir: string; nodeName: string; logger: Logger }) {
    this.file = path.join(opts.dir, `endpoints-${opts.nodeName}.json`);
  }

  load(): ReadonlyMap<string, Endpoint> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.opts.logger.warn('cannot read the saved endpoint values; starting without them', {
          file: this.file,
          err: errorMessage(err),
        });
      return this.values;
    }
    let stored: StoredFile;
    try {
      stored = JSON.parse(text) as StoredFile;
      if (stored.version !== FORMAT_VERSION || stored.node !== this.opts.nodeName)
        throw new Error(`version ${stored.version} for node ${stored.node}`);
    } catch (err) {
      this.opts.logger.warn('saved endpoint values are unusable; starting without them', {
        file: this.file,
        err: errorMessage(err),
      });
      return this.values;
    }
    for (const [key, value] of Object.entries(stored.endpoints ?? {})) {
      const decoded = decodeStoredValue(key, JSON.stringify(value));
      if (decoded.ok && decoded.kind === 'endpoint') this.values.set(key, decoded.value);
      else
        this.opts.logger.warn('skipping a saved endpoint value', {
          key,
          err: decoded.ok ? 'not an endpoint' : decoded.error,
        });
    }
    this.opts.logger.info('loaded saved endpoint values', { count: this.values.size });
    return this.values;
  }

  set(key: string, value: Endpoint | null): void {
    if (value === null) {
      if (!this.values.delete(key)) return;
    } else this.values.set(key, value);
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => this.flush());
  }

  /** Writes now (also called at shutdown). */
  flush(): void {
    this.pending = false;
    const body: StoredFile = {
      version: FORMAT_VERSION,
      node: this.opts.nodeName,
      endpoints: Object.fromEntries([...this.values].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
    const tmp = `${this.file}.tmp`;
    try {
      mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
      writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      this.opts.logger.warn('cannot save endpoint values; a restart would not keep them', {
        file: this.file,
        err: errorMessage(err),
      });
    }
  }
}
