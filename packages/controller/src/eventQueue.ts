/**
 * EventQueue: informer events, handled in arrival order but in time slices.
 *
 * client-node's informer delivers a whole list (100k pods) in one synchronous loop of
 * 'add' callbacks. Translating each one inside that loop blocked the event loop for
 * seconds, long enough for the leader lease to lapse. The informers' callbacks only
 * enqueue; the queue runs handlers for at most one slice, then yields (setImmediate)
 * so timers and I/O run in between. One queue serves every informer, so events keep
 * one global order.
 *
 * `barrier()` resolves once every event queued before it has been handled: an informer
 * reports "synced" only then, because the reconciler treats synced as "the desired
 * state is complete".
 */
import { DEFAULT_SLICE_MS } from './timeSlice.js';

export class EventQueue {
  private items: ((() => void) | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  /** Queues `fn`; it must not throw (informers wrap handlers in `safely`). */
  push(fn: () => void): void {
    this.items.push(fn);
    this.schedule();
  }

  /** Resolves once everything queued so far has run. */
  barrier(): Promise<void> {
    return new Promise<void>((resolve) => this.push(resolve));
  }

  get length(): number {
    return this.items.length - this.head;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    const end = performance.now() + this.sliceMs;
    while (this.head < this.items.length) {
      const fn = this.items[this.head];
      this.items[this.head++] = undefined;
      fn?.();
      if (performance.now() >= end) break;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else {
      // Drop what has run, so a queue that never quite empties does not grow forever.
      if (this.head > 4096) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.schedule();
    }
  }
}
