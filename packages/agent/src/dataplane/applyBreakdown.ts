/**
 * Where the time of one Dataplane.apply() went: each step's start (ms from the start
 * of apply()) and duration, for the ipsets and per IP family. Steps overlap on
 * purpose (the reads run during the render, the render during the ipset write, the
 * two families' writes side by side), so durations do not add up to the total.
 * Pure: Table and IpSets record `performance.now()` intervals, this turns them into
 * offsets.
 */
import type { IpFamily } from '@palisade/model';

/** A step's start and end, `performance.now()` milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/** A step relative to the start of apply(), ms. */
export interface ApplyStep {
  startMs: number;
  ms: number;
}

export interface FamilyBreakdown {
  /** iptables-save (cold cache only), from its spawn to the parsed table. */
  read?: ApplyStep;
  /** Diff against the kernel and the transaction text. */
  diff?: ApplyStep;
  /** Waiting for the ipsets to be written before the transaction may go in. */
  waitForIpsets?: ApplyStep;
  /** iptables-restore. */
  write?: ApplyStep;
  inputBytes: number;
}

export interface ApplyBreakdown {
  totalMs: number;
  /** Rendering the chains that changed (JS only). */
  render: ApplyStep;
  ipsets: {
    /** ipset save (cold cache only). */
    read?: ApplyStep;
    /** Diff against the kernel and the restore text. */
    build?: ApplyStep;
    /** ipset restore of creates and members. */
    write?: ApplyStep;
    /** ipset restore destroying sets no rule uses any more. */
    destroy?: ApplyStep;
    inputBytes: number;
  };
  families: Partial<Record<`v${IpFamily}`, FamilyBreakdown>>;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** `interval` relative to `origin`; undefined stays undefined. */
function stepOf(origin: number, interval: Interval | undefined): ApplyStep | undefined {
  if (!interval) return undefined;
  return { startMs: round(interval.start - origin), ms: round(interval.end - interval.start) };
}

/** Drops the undefined fields, so the breakdown reads well as JSON. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** What Table and IpSets report of one apply (`performance.now()` intervals). */
export interface StepTimes {
  read?: Interval;
  build?: Interval;
  diff?: Interval;
  wait?: Interval;
  write?: Interval;
  destroy?: Interval | undefined;
  inputBytes: number;
}

/** The breakdown of an apply() that started at `origin`; totalMs is set by the caller. */
export function breakdownOf(
  origin: number,
  parts: { render: Interval; ipsets: StepTimes; tables: { family: IpFamily; stats: StepTimes }[] },
): ApplyBreakdown {
  const families: ApplyBreakdown['families'] = {};
  for (const { family, stats } of parts.tables) {
    families[`v${family}`] = defined({
      read: stepOf(origin, stats.read),
      diff: stepOf(origin, stats.diff),
      waitForIpsets: stepOf(origin, stats.wait),
      write: stepOf(origin, stats.write),
      inputBytes: stats.inputBytes,
    });
  }
  const sets = parts.ipsets;
  return {
    totalMs: 0,
    render: stepOf(origin, parts.render)!,
    ipsets: defined({
      read: stepOf(origin, sets.read),
      build: stepOf(origin, sets.build),
      write: stepOf(origin, sets.write),
      destroy: stepOf(origin, sets.destroy),
      inputBytes: sets.inputBytes,
    }),
    families,
  };
}
