/**
 * Scenario (c) of `pnpm bench agent`: a full first apply against a plain replay of the
 * restore inputs it wrote, with a breakdown of where the apply's time goes.
 *
 * Each run uses two fresh namespaces: the Dataplane applies the calc's first state
 * into one, then the very same `ipset restore` / `iptables-restore` inputs it wrote are
 * replayed one after the other, with nothing else, into the other. The order of the
 * two alternates between runs so that neither always meets a warmer cache. The
 * figure is the median ratio of `runs` runs, each ratio taken within its own run.
 *
 * The breakdown comes from timing every command the Dataplane runs: each command's
 * wall time, the number of spawns, the cost of one empty spawn (`nsenter … true`),
 * and the time during which no command ran at all (JS work: rendering, hashing,
 * parsing iptables-save, diffing, building the text; plus event-loop waits).
 */
import { silentLogger } from '@palisade/common';
import type { CalcMessage } from '../src/messages.js';
import { Dataplane, realExec, type Exec } from '../src/dataplane/index.js';
import { createNetns, deleteNetns, uniqueNetnsName } from '../src/testing/netns.js';

export interface Recorded {
  cmd: string;
  args: string[];
  input?: string;
}

interface Span {
  what: string;
  start: number;
  end: number;
  inputBytes: number;
  outputBytes: number;
}

export interface ApplyBreakdown {
  /** Wall time of each kind of command, summed (ms); parallel commands overlap. */
  commands: Record<string, { calls: number; ms: number; inputKiB: number; outputKiB: number }>;
  spawns: number;
  /** Time during which no command ran: JS work and waits between steps (ms). */
  noCommandMs: number;
  /** The longest stretches without a command, named by the command that followed. */
  gaps: { before: string; ms: number }[];
  /** When commands ran (ms from the start of apply()), in start order. */
  timeline: { what: string; startMs: number; endMs: number }[];
}

export interface ApplyRun {
  applyMs: number;
  baselineMs: number;
  ratio: number;
  order: 'apply-first' | 'baseline-first';
  loadavg: string;
  breakdown: ApplyBreakdown;
}

export interface ApplyRatioResult {
  runs: ApplyRun[];
  medianRatio: number;
  medianApplyMs: number;
  medianBaselineMs: number;
  /** One empty `nsenter --net=… true`: the fixed cost of a command. */
  emptySpawnMs: number;
  restoreInputs: number;
  target: number;
}

const round = (x: number): number => Math.round(x * 100) / 100;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const loadavg = async (): Promise<string> =>
  (await import('node:fs/promises')).readFile('/proc/loadavg', 'utf8').then((s) => s.trim());

/**
 * Runs commands in `ns` through nsenter: the agent itself runs inside its node's
 * namespace, and `ip netns exec` (which also sets up a mount namespace) would add
 * ~10-20 ms per command that production never pays.
 */
export function nsEnterExec(ns: string): Exec {
  return (cmd, args, opts) => realExec('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args], opts);
}

export function recording(inner: Exec, log: Recorded[]): Exec {
  return (cmd, args, opts) => {
    log.push({ cmd, args, ...(opts?.input !== undefined ? { input: opts.input } : {}) });
    return inner(cmd, args, opts);
  };
}

export const isWrite = (r: Recorded): boolean =>
  r.args.includes('restore') || r.cmd.endsWith('-restore');

function label(cmd: string, args: string[]): string {
  if (cmd === 'ipset') return `ipset ${args[0] ?? ''}`;
  return cmd.replace(/-(nft|legacy)-/, '-');
}

function timing(inner: Exec, spans: Span[], t0: () => number): Exec {
  return async (cmd, args, opts) => {
    const start = performance.now() - t0();
    const res = await inner(cmd, args, opts);
    spans.push({
      what: label(cmd, args),
      start,
      end: performance.now() - t0(),
      inputBytes: opts?.input?.length ?? 0,
      outputBytes: res.stdout.length,
    });
    return res;
  };
}

function breakdownOf(spans: Span[], totalMs: number): ApplyBreakdown {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const commands: ApplyBreakdown['commands'] = {};
  for (const s of sorted) {
    const c = (commands[s.what] ??= { calls: 0, ms: 0, inputKiB: 0, outputKiB: 0 });
    c.calls++;
    c.ms = round(c.ms + s.end - s.start);
    c.inputKiB = round(c.inputKiB + s.inputBytes / 1024);
    c.outputKiB = round(c.outputKiB + s.outputBytes / 1024);
  }
  const gaps: ApplyBreakdown['gaps'] = [];
  let busyUntil = 0;
  for (const s of sorted) {
    if (s.start > busyUntil) gaps.push({ before: s.what, ms: round(s.start - busyUntil) });
    busyUntil = Math.max(busyUntil, s.end);
  }
  if (totalMs > busyUntil) gaps.push({ before: '(return)', ms: round(totalMs - busyUntil) });
  return {
    commands,
    spawns: spans.length,
    noCommandMs: round(gaps.reduce((n, g) => n + g.ms, 0)),
    gaps: gaps.filter((g) => g.ms >= 0.5),
    timeline: sorted.map((s) => ({ what: s.what, startMs: round(s.start), endMs: round(s.end) })),
  };
}

async function replay(exec: Exec, writes: Recorded[]): Promise<number> {
  const t0 = performance.now();
  for (const w of writes) {
    const res = await exec(w.cmd, w.args, w.input === undefined ? undefined : { input: w.input });
    if (res.code !== 0)
      throw new Error(`replay of ${w.cmd} ${w.args.join(' ')} failed: ${res.stderr}`);
  }
  return performance.now() - t0;
}

async function applyOnce(
  ns: string,
  messages: CalcMessage[],
): Promise<{ ms: number; writes: Recorded[]; breakdown: ApplyBreakdown }> {
  const log: Recorded[] = [];
  const spans: Span[] = [];
  let t0 = 0;
  const dp = new Dataplane({
    exec: timing(recording(nsEnterExec(ns), log), spans, () => t0),
    logger: silentLogger(),
    ipv6: true,
    backend: 'nft',
    nflogGroup: 1,
  });
  dp.onMessages(messages);
  t0 = performance.now();
  await dp.apply();
  const ms = performance.now() - t0;
  return { ms, writes: log.filter(isWrite), breakdown: breakdownOf(spans, ms) };
}

async function oneRun(messages: CalcMessage[], i: number): Promise<ApplyRun> {
  const nsA = uniqueNetnsName('bench-a');
  const nsB = uniqueNetnsName('bench-b');
  try {
    await createNetns(nsA);
    await createNetns(nsB);
    const order = i % 2 === 0 ? 'apply-first' : 'baseline-first';
    let baselineMs = 0;
    if (order === 'baseline-first') {
      // The inputs do not depend on timing: take them from a dry apply elsewhere.
      const probe = uniqueNetnsName('bench-p');
      await createNetns(probe);
      const { writes } = await applyOnce(probe, messages).finally(() => deleteNetns(probe));
      baselineMs = await replay(nsEnterExec(nsB), writes);
    }
    const load = await loadavg();
    const applied = await applyOnce(nsA, messages);
    if (order === 'apply-first') baselineMs = await replay(nsEnterExec(nsB), applied.writes);
    return {
      applyMs: round(applied.ms),
      baselineMs: round(baselineMs),
      ratio: round(applied.ms / baselineMs),
      order,
      loadavg: load,
      breakdown: applied.breakdown,
    };
  } finally {
    await deleteNetns(nsA).catch(() => undefined);
    await deleteNetns(nsB).catch(() => undefined);
  }
}

async function emptySpawnMs(): Promise<number> {
  const ns = uniqueNetnsName('bench-s');
  await createNetns(ns);
  try {
    const exec = nsEnterExec(ns);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await exec('true', []);
      times.push(performance.now() - t0);
    }
    return round(median(times));
  } finally {
    await deleteNetns(ns).catch(() => undefined);
  }
}

/** Scenario (c): `runs` full applies, each against its own plain replay. */
export async function applyVsRestore(
  messages: CalcMessage[],
  opts: { runs: number; say: (s: string) => void },
): Promise<ApplyRatioResult> {
  const runs: ApplyRun[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const r = await oneRun(messages, i);
    runs.push(r);
    opts.say(
      `(c) run ${i + 1}/${opts.runs} (${r.order}, load ${r.loadavg}): apply ${r.applyMs} ms, plain restore ${r.baselineMs} ms, ratio ${r.ratio}`,
    );
    opts.say(`    ${describe(r.breakdown)}`);
  }
  const spawnMs = await emptySpawnMs();
  const result: ApplyRatioResult = {
    runs,
    medianRatio: round(median(runs.map((r) => r.ratio))),
    medianApplyMs: round(median(runs.map((r) => r.applyMs))),
    medianBaselineMs: round(median(runs.map((r) => r.baselineMs))),
    emptySpawnMs: spawnMs,
    restoreInputs: Object.entries(runs[0]?.breakdown.commands ?? {})
      .filter(([k]) => k.includes('restore'))
      .reduce((n, [, v]) => n + v.calls, 0),
    target: 1.5,
  };
  opts.say(
    `(c) median of ${opts.runs}: apply ${result.medianApplyMs} ms, plain restore ${result.medianBaselineMs} ms, ratio ${result.medianRatio} (target <= 1.5); one empty spawn ${spawnMs} ms`,
  );
  return result;
}

function describe(b: ApplyBreakdown): string {
  const cmds = Object.entries(b.commands)
    .map(([k, v]) => `${k} ${v.ms} ms${v.calls > 1 ? ` (${v.calls}x)` : ''}`)
    .join(', ');
  const gaps = b.gaps.map((g) => `${g.ms} before ${g.before}`).join(', ');
  return `${b.spawns} spawns: ${cmds}; no command running ${b.noCommandMs} ms (${gaps})`;
}
