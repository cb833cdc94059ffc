import { describe, expect, it } from 'vitest';
import { EventQueue } from './eventQueue.js';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
};

describe('EventQueue', () => {
  it('runs events in order, and a barrier after everything queued before it', async () => {
    const q = new EventQueue(1);
    const seen: number[] = [];
    for (let i = 0; i < 1000; i++) q.push(() => seen.push(i));
    await q.barrier();
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(q.length).toBe(0);
  });

  it('lets timers run between slices of a long backlog', async () => {
    const q = new EventQueue(5);
    const order: string[] = [];
    for (let i = 0; i < 20; i++) q.push(() => (busy(2), order.push('event')));
    setTimeout(() => order.push('timer'), 0);
    await q.barrier();
    const timer = order.indexOf('timer');
    expect(timer).toBeGreaterThan(0);
    expect(timer).toBeLessThan(order.length - 1);
  });

  it('keeps order for events queued while it drains', async () => {
    const q = new EventQueue(1);
    const seen: string[] = [];
    q.push(() => {
      seen.push('a');
      q.push(() => seen.push('c'));
    });
    q.push(() => seen.push('b'));
    await q.barrier();
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
