/** Bounded exponential backoff with full jitter. Stateful: call reset() after a success. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: { initialMs: number; maxMs: number; jitter?: boolean } = {
      initialMs: 100,
      maxMs: 5000,
    },
  ) {}

  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return this.opts.jitter === false ? base : Math.round(base / 2 + Math.random() * (base / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
