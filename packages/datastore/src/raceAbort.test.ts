import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ABORTED, raceAbort } from './election.js';

describe('raceAbort', () => {
  it('leaves no abort listener behind, however many races the promise wins', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) expect(await raceAbort(Promise.resolve(i), ac.signal)).toBe(i);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('a rejection also removes the listener', async () => {
    const ac = new AbortController();
    await expect(raceAbort(Promise.reject(new Error('etcd down')), ac.signal)).rejects.toThrow(
      'etcd down',
    );
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('returns ABORTED when the signal aborts first, or was aborted already', async () => {
    const ac = new AbortController();
    const pending = raceAbort(new Promise<number>(() => undefined), ac.signal);
    ac.abort();
    expect(await pending).toBe(ABORTED);
    expect(await raceAbort(Promise.resolve(1), ac.signal)).toBe(ABORTED);
  });
});
