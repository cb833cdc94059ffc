/**
 * Probing helpers shared by the e2e benchmarks: percentiles, waiting for a pod to be
 * reachable or blocked, timing a flip, and connection rates in alternating windows.
 * Not a *.bench.ts file.
 */
import { performance } from 'node:perf_hooks';
import type { Pod } from '../src/harness/cluster.js';

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** Probes back to back (20 ms attempts) until a connection succeeds; returns when. */
export async function untilReachable(client: Pod, ip: string, deadlineMs = 10_000): Promise<number> {
  const until = performance.now() + deadlineMs;
  while (performance.now() < until) {
    const r = await client.client.probe(ip, 80, 'TCP', 20);
    if (r.ok) return performance.now();
    await sleep(2);
  }
  throw new Error(`${ip} not reachable within ${deadlineMs} ms`);
}

export async function untilBlocked(client: Pod, ip: string, deadlineMs = 10_000): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (performance.now() < until) {
    const r = await client.client.probe(ip, 80, 'TCP', 50);
    if (!r.ok) return;
  }
  throw new Error(`${ip} still reachable after ${deadlineMs} ms`);
}

/**
 * When connections from `client` to `ip` started to be `want`: the start time of the
 * first of two probes in a row (in start order) with that outcome. Probes start every
 * `everyMs` and overlap, each waiting up to 100 ms for its SYN to be answered (well
 * below the 1 s SYN retransmission), so a probe's outcome is the verdict at its start
 * and the resolution is `everyMs` in both directions, where a sequential prober would
 * wait out every blocked attempt. Two in a row keep one probe that timed out under
 * load from reading as a flip to blocked.
 */
export async function flipTime(client: Pod, ip: string, want: 'allowed' | 'blocked', opts: { everyMs?: number; deadlineMs?: number } = {}): Promise<number> {
  const everyMs = opts.everyMs ?? 3;
  const deadlineMs = opts.deadlineMs ?? 10_000;
  const until = performance.now() + deadlineMs;
  const starts: number[] = [];
  const wanted: (boolean | undefined)[] = []; // by start order; undefined while in flight
  const pending: Promise<void>[] = [];
  const confirmed = (): number | null => {
    for (let i = 0; i + 1 < wanted.length; i++) if (wanted[i] === true && wanted[i + 1] === true) return i;
    return null;
  };
  while (performance.now() < until) {
    const i = starts.push(performance.now()) - 1;
    wanted.push(undefined);
    pending.push(client.client.probe(ip, 80, 'TCP', 100).then((r) => void (wanted[i] = r.ok === (want === 'allowed'))));
    const found = confirmed();
    // An earlier-started probe still in flight may yet be the first of a pair.
    if (found !== null && !wanted.slice(0, found).includes(undefined)) break;
    await sleep(everyMs);
  }
  await Promise.all(pending);
  const found = confirmed();
  if (found === null) throw new Error(`${ip} not ${want} within ${deadlineMs} ms`);
  return starts[found]!;
}

export interface AlternatingRates {
  /** New TCP connections per second over all windows. */
  target: number;
  control: number;
  /** Median over the pairs of windows of target/control: a burst of load in one pair moves it little. */
  medianRatio: number;
  /** target/control of each pair, in order. */
  ratios: number[];
  /** Connection attempts that failed (1 s without an answer): a window with many of them measured a stall, not the ruleset. */
  failed: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Connection rates from `client` to `target` and to `control`, in `windows` pairs of
 * windows of `windowMs` that alternate between the two (and which goes first within a
 * pair), so that the machine's load drifts into both alike.
 */
export async function alternatingRates(client: Pod, ips: { target: string; control: string }, o: { windowMs: number; windows: number }): Promise<AlternatingRates> {
  let target = 0;
  let control = 0;
  const ratios: number[] = [];
  let failed = 0;
  const count = async (ip: string): Promise<number> => {
    const r = await client.client.connectRate(ip, 80, o.windowMs, 4);
    failed += r.failed ?? 0;
    return r.count ?? 0;
  };
  for (let w = 0; w < o.windows; w++) {
    let t: number;
    let c: number;
    if (w % 2 === 0) {
      t = await count(ips.target);
      c = await count(ips.control);
    } else {
      c = await count(ips.control);
      t = await count(ips.target);
    }
    target += t;
    control += c;
    ratios.push(t / Math.max(1, c));
  }
  const secs = (o.windows * o.windowMs) / 1000;
  return { target: target / secs, control: control / secs, medianRatio: median(ratios), ratios, failed };
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
