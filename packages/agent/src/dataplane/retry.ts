import { Backoff, sleep as realSleep } from '@palisade/common';
import { PalisadeError, errorMessage } from '@palisade/model';
import type { Logger } from '@palisade/common';

export interface RetryOptions {
  attempts: number;
  sleep: (ms: number) => Promise<void>;
  backoff: { initialMs: number; maxMs: number };
}

export const defaultRetry: RetryOptions = {
  attempts: 3,
  sleep: (ms) => realSleep(ms),
  backoff: { initialMs: 100, maxMs: 2000 },
};

/**
 * Runs `attempt` until it succeeds, at most `opts.attempts` times, with backoff in
 * between; `onFailure` runs after each failure (the caller marks its cache stale so
 * the next attempt re-reads the kernel). The last error becomes an EXEC_FAILED.
 */
export async function withRetry<T>(
  what: string,
  attempt: () => Promise<T>,
  ctx: {
    logger: Logger;
    retry: RetryOptions;
    onFailure: () => void;
    fields?: Record<string, unknown>;
  },
): Promise<T> {
  const backoff = new Backoff({ ...ctx.retry.backoff, jitter: false });
  let last: unknown;
  for (let i = 1; i <= ctx.retry.attempts; i++) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
      ctx.onFailure();
      if (i < ctx.retry.attempts) {
        ctx.logger.warn('dataplane write failed, retrying', {
          what,
          attempt: i,
          err: errorMessage(err),
          ...ctx.fields,
        });
        await ctx.retry.sleep(backoff.next());
      }
    }
  }
  throw new PalisadeError('EXEC_FAILED', `${what} failed after ${ctx.retry.attempts} attempts`, {
    cause: last,
    fields: { what, attempts: ctx.retry.attempts, err: errorMessage(last), ...ctx.fields },
  });
}

/** Throws an EXEC_FAILED with the command's stderr when it exited non-zero. */
export function checkResult(cmd: string, res: { code: number; stderr: string }): void {
  if (res.code !== 0) {
    throw new PalisadeError('EXEC_FAILED', `${cmd} exited with ${res.code}`, {
      fields: { cmd, code: res.code, stderr: res.stderr.trim().slice(0, 2000) },
    });
  }
}
