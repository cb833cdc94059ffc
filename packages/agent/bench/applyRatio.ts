/**
 * Scenario (c) of `pnpm bench agent`: a full first apply against a plain replay of the
 * restore inputs it wrote, with the apply's own breakdown of where its time goes.
 *
 * Each run uses two fresh namespaces: the Dataplane applies the calc's first state
 * into one, then the very same `ipset restore` / `iptables-restore` inputs it wrote are
 * replayed one after the other, with nothing else, into the other. The order of the
 * two alternates between runs so that neither always meets a warmer cache. The
 * figure is the median ratio of `runs` runs, each ratio taken within its own run.
 *
 * The breakdown is the one Dataplane.apply() returns (read, render, diff, wait,
 * write; ipsets and per family, each step with its start), beside the time of each
 * replayed command, so the apply's writes can be compared with the same writes alone.
 */
import { silentLogger } from '@palisade/common';
import type { CalcMessage } from '../src/messages.js';
import {
  Dataplane,
  realExec,
  type ApplyBreakdown,
  type ApplyStep,
  type Exec,
} from '../src/dataplane/index.js';
import { createNetns, deleteNetns, uniqueNetnsName } from '../src/testing/netns.js';

export interface Recorded {
  cmd: string;
  args: string[];
  input?: string;
}

export interface ApplyRun {
  applyMs: number;
  baselineMs: number;
  ratio: number;
  order: 'apply-first' | 'baseline-first';
  loadavg: string;
  /** Commands the apply ran (reads and writes). */
  spawns: number;
  breakdown: ApplyBreakdown;
  /** Each replayed command of the plain restore, in order. */
  baseline: { what: string; ms: number; inputKiB: number }[];
}

export interface ApplyRatioResult {
  runs: ApplyRun[];
  medianRatio: number;
  medianApplyMs: number;
  medianBaselineMs: number;
  /** Median over the runs of each step's duration (ms), e.g. `v4.write`. */
  medianSteps: Record<string, number>;
  /** One empty `nsenter --net=… true`: the fixed cost of a command. */
  emptySpawnMs: number;
  restoreInputs: number;
  target: number;
}

const round = (x: number): number => Math.round(x * 100) / 100;
export const median = (xs: number[]): number => {
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

/** Replays `writes` one after the other; the time of each. */
export async function replay(exec: Exec, writes: Recorded[]): Promise<ApplyRun['baseline']> {
  const out: ApplyRun['baseline'] = [];
  for (const w of writes) {
    const t0 = performance.now();
    const res = await exec(w.cmd, w.args, w.input === undefined ? undefined : { input: w.input });
    if (res.code !== 0)
      throw new Error(`replay of ${w.cmd} ${w.args.join(' ')} failed: ${res.stderr}`);
    out.push({
      what: label(w.cmd, w.args),
      ms: round(performance.now() - t0),
      inputKiB: round((w.input?.length ?? 0) / 1024),
    });
  }
  return out;
}

async function applyOnce(
  ns: string,
  messages: CalcMessage[],
): Promise<{ ms: number; log: Recorded[]; breakdown: ApplyBreakdown }> {
  const log: Recorded[] = [];
  const dp = new Dataplane({
    exec: recording(nsEnterExec(ns), log),
    logger: silentLogger(),
    ipv6: true,
    backend: 'nft',
    nflogGroup: 1,
  });
  dp.onMessages(messages);
  const t0 = performance.now();
  const r = await dp.apply();
  return { ms: performance.now() - t0, log, breakdown: r.breakdown };
}

async function oneRun(messages: CalcMessage[], i: number): Promise<ApplyRun> {
  const nsA = uniqueNetnsName('bench-a');
  const nsB = uniqueNetnsName('bench-b');
  try {
    await createNetns(nsA);
    await createNetns(nsB);
    const order = i % 2 === 0 ? 'apply-first' : 'baseline-first';
    let baseline: ApplyRun['baseline'] = [];
    if (order === 'baseline-first') {
      // The inputs do not depend on timing: take them from a dry apply elsewhere.
      const probe = uniqueNetnsName('bench-p');
      await createNetns(probe);
      const { log } = await applyOnce(probe, messages).finally(() => deleteNetns(probe));
      baseline = await replay(nsEnterExec(nsB), log.filter(isWrite));
    }
    const load = await loadavg();
    const applied = await applyOnce(nsA, messages);
    if (order === 'apply-first')
      baseline = await replay(nsEnterExec(nsB), applied.log.filter(isWrite));
    const baselineMs = baseline.reduce((n, c) => n + c.ms, 0);
    return {
      applyMs: round(applied.ms),
      baselineMs: round(baselineMs),
      ratio: round(applied.ms / baselineMs),
      order,
      loadavg: load,
      spawns: applied.log.length,
      breakdown: applied.breakdown,
      baseline,
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

/** Every step of a breakdown as `name → step` (`ipsets.write`, `v4.diff`, `render`…). */
export function stepsOf(b: ApplyBreakdown): [string, ApplyStep][] {
  const out: [string, ApplyStep][] = [['render', b.render]];
  for (const [k, v] of Object.entries(b.ipsets))
    if (typeof v === 'object') out.push([`ipsets.${k}`, v]);
  for (const [family, f] of Object.entries(b.families))
    for (const [k, v] of Object.entries(f))
      if (typeof v === 'object') out.push([`${family}.${k}`, v as ApplyStep]);
  return out.sort((x, y) => x[1].startMs - y[1].startMs);
}

/** `ipsets.read @0.6+8.4 ms, …` in start order, with the input sizes. */
export function describeBreakdown(b: ApplyBreakdown): string {
  const steps = stepsOf(b)
    .map(([k, s]) => `${k} @${s.startMs}+${s.ms}`)
    .join(', ');
  const kib = (n: number): string => `${round(n / 1024)} KiB`;
  const inputs = [
    `ipsets ${kib(b.ipsets.inputBytes)}`,
    ...Object.entries(b.families).map(([f, v]) => `${f} ${kib(v.inputBytes)}`),
  ].join(', ');
  return `${steps} (ms; input ${inputs})`;
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
    opts.say(`    apply (${r.spawns} spawns): ${describeBreakdown(r.breakdown)}`);
    opts.say(`    plain: ${r.baseline.map((c) => `${c.what} ${c.ms}`).join(', ')} (ms)`);
  }
  const steps = new Map<string, number[]>();
  for (const r of runs)
    for (const [k, s] of stepsOf(r.breakdown)) steps.set(k, [...(steps.get(k) ?? []), s.ms]);
  const medianSteps = Object.fromEntries(
    [...steps].map(([k, xs]) => [k, round(median(xs))] as const),
  );
  const spawnMs = await emptySpawnMs();
  const result: ApplyRatioResult = {
    runs,
    medianRatio: round(median(runs.map((r) => r.ratio))),
    medianApplyMs: round(median(runs.map((r) => r.applyMs))),
    medianBaselineMs: round(median(runs.map((r) => r.baselineMs))),
    medianSteps,
    emptySpawnMs: spawnMs,
    restoreInputs: runs[0]?.baseline.length ?? 0,
    target: 1.5,
  };
  opts.say(
    `(c) median of ${opts.runs}: apply ${result.medianApplyMs} ms, plain restore ${result.medianBaselineMs} ms, ratio ${result.medianRatio} (target <= 1.5); one empty spawn ${spawnMs} ms`,
  );
  opts.say(
    `(c) median step durations: ${Object.entries(medianSteps)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} (ms)`,
  );
  return result;
}
