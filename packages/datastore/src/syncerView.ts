/**
 * SyncerView: the syncer's memory of what the consumer has been told (key → mod
 * revision). Pure: no I/O. After a re-list it computes the batch that turns the
 * consumer's view into the listed content (updates for new or changed keys,
 * deletions for keys that vanished), and it drops replayed watch events that are
 * not newer than what was already delivered, so a re-watch can never regress a key.
 */
import type { Revision, SyncUpdate } from './types.js';

export interface WatchEvent {
  type: 'Put' | 'Delete';
  key: string;
  /** null for deletions */
  value: string | null;
  modRevision: Revision;
}

export class SyncerView {
  private readonly known = new Map<string, bigint>();
  private rev = 0n;

  /** The last revision delivered to the consumer ('0' before the first list). */
  get revision(): Revision {
    return this.rev.toString();
  }

  get size(): number {
    return this.known.size;
  }

  /** A full listing at `revision`: returns the diff against the current view. */
  applyList(items: SyncUpdate[], revision: Revision): SyncUpdate[] {
    const listed = new Map<string, SyncUpdate>();
    for (const item of items) listed.set(item.key, item);
    const out: SyncUpdate[] = [];
    for (const key of [...this.known.keys()].sort()) {
      if (!listed.has(key)) {
        this.known.delete(key);
        out.push({ key, value: null, modRevision: revision });
      }
    }
    for (const item of items) {
      const mod = BigInt(item.modRevision);
      if (this.known.get(item.key) === mod) continue;
      this.known.set(item.key, mod);
      out.push(item);
    }
    this.advance(BigInt(revision));
    return out;
  }

  /** Watch events in revision order: returns those that change the view. */
  applyEvents(events: WatchEvent[]): SyncUpdate[] {
    const out: SyncUpdate[] = [];
    for (const ev of events) {
      const mod = BigInt(ev.modRevision);
      if (mod <= this.rev) continue; // already covered by a list or an earlier batch
      if (ev.type === 'Delete') {
        if (this.known.delete(ev.key))
          out.push({ key: ev.key, value: null, modRevision: ev.modRevision });
      } else {
        this.known.set(ev.key, mod);
        out.push({ key: ev.key, value: ev.value ?? '', modRevision: ev.modRevision });
      }
    }
    const last = events[events.length - 1];
    if (last) this.advance(BigInt(last.modRevision));
    return out;
  }

  private advance(rev: bigint): void {
    if (rev > this.rev) this.rev = rev;
  }
}
