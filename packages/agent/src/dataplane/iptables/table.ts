/**
 * Table: the only writer of one iptables table (filter) for one IP family.
 *
 * Holds the desired pal- chains (name → rule bodies) plus "hooks" (our jump at the top
 * of a built-in chain) and a cache of what the kernel holds. apply() writes the
 * difference as ONE `iptables-restore --noflush` transaction, which the kernel applies
 * atomically, so an isolated pod never sees an open window — also on the first apply
 * after a restart, when the previous run's chains are still in place.
 *
 * Order inside a transaction: declare new chains; edit changed chains (rules are
 * identified by a `pal:<hash>` comment, so unchanged rules stay and a change in the
 * middle of a chain is one `-R`/`-I`/`-D` line); fix the hooks; then flush and delete
 * chains nothing refers to any more. The kernel is re-read (iptables-save) on the
 * first apply, after a failure and after markForResync(); anything that differs from
 * what we wrote is logged as clobbered and repaired by the same diff.
 *
 * apply({ after }) builds the transaction first and writes it once `after` (the
 * ipset write) has settled, so the diff and the text overlap the caller's other
 * writes; when `after` rejects nothing is written and the chains stay dirty.
 */
import type { Logger } from '@palisade/common';
import { isPalisadeChain, stableHash, type IpFamily } from '@palisade/model';
import type { Interval } from '../applyBreakdown.js';
import type { Exec } from '../exec.js';
import { checkResult, defaultRetry, withRetry, type RetryOptions } from '../retry.js';
import type { IptablesCommands } from './backend.js';
import { diffRules } from './diff.js';
import {
  HASH_COMMENT_PREFIX,
  clobberedChains,
  parseIptablesSave,
  type KernelRule,
  type KernelTable,
} from './iptablesSave.js';

export interface Rule {
  hash: string;
  body: string;
}

export interface Hook {
  /** A built-in chain, e.g. FORWARD. */
  chain: string;
  /** Only installed while this pal- chain is desired. */
  target: string;
  body: string;
}

export interface TableStats {
  restoreCalls: number;
  rulesWritten: number;
  chainsWritten: number;
  /** Bytes of iptables-restore input written. */
  inputBytes: number;
  /** The kernel read this apply used (absent when the cache was warm). */
  read?: Interval;
  /** Diffing and building the transaction text. */
  diff?: Interval;
  /** Waiting for `after` (the ipsets). */
  wait?: Interval;
  /** The iptables-restore run(s), retries included. */
  write?: Interval;
}

interface Transaction {
  kernel: KernelTable;
  lines: string[];
  rules: number;
  chains: number;
}

export interface TableOptions {
  family: IpFamily;
  exec: Exec;
  logger: Logger;
  commands: IptablesCommands;
  hooks: Hook[];
  retry?: RetryOptions;
  lockWaitSeconds?: number;
  onClobber?: (chains: string[]) => void;
}

/** Hash of a rule: its chain, its text and how many identical rules precede it. */
export function ruleHash(chain: string, body: string, occurrence: number): string {
  return stableHash(`${chain}\n${body}\n${occurrence}`, 16);
}

/** `-A chain -m comment --comment "pal:<hash>" body`; `pos` for `-I`/`-R`. */
export function ruleLine(
  verb: '-A' | '-I' | '-R',
  chain: string,
  rule: Rule,
  pos?: number,
): string {
  const at = pos === undefined ? '' : ` ${pos}`;
  return `${verb} ${chain}${at} -m comment --comment "${HASH_COMMENT_PREFIX}${rule.hash}" ${rule.body}`;
}

/**
 * The rules of a chain with their hashes. A body that occurs once is hashed alone. A
 * repeated body (the `RETURN` after each policy jump of an endpoint chain) is hashed
 * with its neighbours, so that moving a policy's block (a priority change) keeps its
 * rules' identities and the diff moves a few rules instead of renumbering every
 * later copy; identical neighbourhoods are told apart by their occurrence.
 */
export function toRules(chain: string, bodies: readonly string[]): Rule[] {
  // The two families render most chains (endpoint chains) with the very same bodies.
  const recent = recentRules.get(chain);
  if (recent && recent.length === bodies.length && recent.every((r, i) => r.body === bodies[i]))
    return recent;
  const rules = hashRules(chain, bodies);
  if (recentRules.size >= RECENT_RULES_MAX) recentRules.clear();
  recentRules.set(chain, rules);
  return rules;
}

/** The last rules hashed per chain name (a pure function's memo; Rules are never mutated). */
const recentRules = new Map<string, Rule[]>();
const RECENT_RULES_MAX = 20_000;

function hashRules(chain: string, bodies: readonly string[]): Rule[] {
  const count = new Map<string, number>();
  for (const body of bodies) count.set(body, (count.get(body) ?? 0) + 1);
  const seen = new Map<string, number>();
  return bodies.map((body, i) => {
    const key =
      count.get(body) === 1 ? body : `${body}\n${bodies[i - 1] ?? ''}\n${bodies[i + 1] ?? ''}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return { hash: ruleHash(chain, key, n), body };
  });
}

export class Table {
  private readonly desired = new Map<string, Rule[]>();
  private kernel: KernelTable | null = null;
  /** A read started by prefetch(), adopted by the next apply. */
  private reading: Promise<KernelTable | null> | null = null;
  /** What we believe the kernel holds (for clobber detection after a re-read). */
  private written: KernelTable | null = null;
  /** When the last kernel read ran, until an apply reports it. */
  private readTiming: Interval | null = null;
  private readonly dirty = new Set<string>();
  private readonly retry: RetryOptions;

  constructor(private readonly opts: TableOptions) {
    this.retry = opts.retry ?? defaultRetry;
  }

  get family(): IpFamily {
    return this.opts.family;
  }

  setChain(name: string, bodies: readonly string[]): void {
    const old = this.desired.get(name);
    // Same bodies, same hashes: compare the text before hashing it.
    if (old && old.length === bodies.length && old.every((r, i) => r.body === bodies[i])) return;
    const rules = toRules(name, bodies);
    this.desired.set(name, rules);
    this.dirty.add(name);
  }

  deleteChain(name: string): void {
    if (this.desired.delete(name)) this.dirty.add(name);
  }

  hasChain(name: string): boolean {
    return this.desired.has(name);
  }

  chainNames(): string[] {
    return [...this.desired.keys()];
  }

  markForResync(): void {
    this.kernel = null;
    this.reading = null;
  }

  /**
   * Starts reading the kernel now when the next apply will need it (first apply, after
   * a failure or markForResync), so that the read overlaps the caller's rendering and
   * the other family's work. Never rejects: a failed read is simply done again, and
   * reported, by apply().
   */
  prefetch(): void {
    if (this.kernel || this.reading) return;
    this.reading = this.readKernel().catch(() => null);
  }

  /**
   * Writes the difference as one transaction. With `after`, the transaction is built
   * at once and written only once `after` has resolved; if it rejects, nothing is
   * written and apply() rejects with its error.
   */
  async apply(opts: { after?: Promise<unknown> } = {}): Promise<TableStats> {
    const stats: TableStats = { restoreCalls: 0, rulesWritten: 0, chainsWritten: 0, inputBytes: 0 };
    // The first attempt's read and diff run before the wait; a failure there is that
    // attempt's failure, handled (and retried) by withRetry below.
    let first: Promise<Transaction> | null = this.prepare(stats);
    void first.catch(() => undefined);
    if (opts.after) {
      const start = performance.now();
      await opts.after;
      stats.wait = { start, end: performance.now() };
    }
    return withRetry(
      'iptables-restore',
      async () => {
        const tx = await (first ?? this.prepare(stats));
        first = null;
        return this.write(tx, stats);
      },
      {
        logger: this.opts.logger,
        retry: this.retry,
        onFailure: () => this.markForResync(),
        fields: { family: this.opts.family },
      },
    );
  }

  /** Removes our hooks and every pal- chain, whoever wrote them. */
  async cleanup(): Promise<TableStats> {
    this.desired.clear();
    this.markForResync();
    return this.apply();
  }

  private async prepare(stats: TableStats): Promise<Transaction> {
    const kernel = await this.kernelState();
    if (this.readTiming) stats.read = this.readTiming;
    this.readTiming = null;
    const start = performance.now();
    const tx = { kernel, ...this.transaction(kernel) };
    stats.diff = { start, end: performance.now() };
    return tx;
  }

  private async write(tx: Transaction, stats: TableStats): Promise<TableStats> {
    if (tx.lines.length === 0) return stats;
    const input = ['*filter', ...tx.lines, 'COMMIT', ''].join('\n');
    this.opts.logger.debug('iptables-restore', {
      family: this.opts.family,
      lines: tx.lines.length,
    });
    const start = stats.write?.start ?? performance.now();
    stats.restoreCalls++;
    stats.inputBytes += input.length;
    const res = await this.opts.exec(
      this.opts.commands.restore,
      ['--noflush', '-w', String(this.opts.lockWaitSeconds ?? 5)],
      { input },
    );
    stats.write = { start, end: performance.now() };
    checkResult(this.opts.commands.restore, res);
    this.commit(tx.kernel);
    return { ...stats, rulesWritten: tx.rules, chainsWritten: tx.chains };
  }

  private transaction(kernel: KernelTable): { lines: string[]; rules: number; chains: number } {
    const decls: string[] = [];
    const fills: string[] = []; // new chains first: they are complete before anything jumps to them
    const edits: string[] = [];
    const stale: string[] = [];
    let chains = 0;
    for (const name of [...this.dirty].sort()) {
      const want = this.desired.get(name);
      const have = kernel.chains.get(name);
      if (!want) {
        if (have) stale.push(name);
        continue;
      }
      if (!have) decls.push(`:${name} - [0:0]`);
      const out = have ? edits : fills;
      const before = out.length;
      this.chainEdits(name, want, have ?? [], out);
      if (!have || out.length > before) chains++;
    }
    const hookLines = this.hookLines(kernel);
    const removal = [...stale.map((n) => `-F ${n}`), ...stale.map((n) => `-X ${n}`)];
    const lines = [...decls, ...fills, ...edits, ...hookLines, ...removal];
    const rules = lines.filter((l) => /^-[AIR] /.test(l)).length;
    return { lines, rules, chains: chains + stale.length };
  }

  private chainEdits(name: string, want: Rule[], have: KernelRule[], out: string[]): void {
    const edits = diffRules(
      have.map((r) => r.hash),
      want.map((r) => r.hash),
    );
    for (const e of edits) {
      switch (e.op) {
        case 'replace':
          out.push(ruleLine('-R', name, want[e.desired]!, e.pos));
          break;
        case 'insert':
          out.push(ruleLine('-I', name, want[e.desired]!, e.pos));
          break;
        case 'append':
          out.push(ruleLine('-A', name, want[e.desired]!));
          break;
        case 'delete':
          out.push(`-D ${name} ${e.pos}`);
          break;
      }
    }
  }

  /** Our jump must be the first rule of its built-in chain, exactly once. */
  private hookLines(kernel: KernelTable): string[] {
    const lines: string[] = [];
    const chains = new Set([...this.opts.hooks.map((h) => h.chain), ...kernel.hooks.keys()]);
    for (const chain of [...chains].sort()) {
      const have = kernel.hooks.get(chain) ?? [];
      const want = this.opts.hooks.filter((h) => h.chain === chain && this.desired.has(h.target));
      const wantRules = want.map((h) => toRules(chain, [h.body])[0]!);
      const inPlace =
        have.length === wantRules.length &&
        have.every((r, i) => r.pos === i + 1 && r.hash === wantRules[i]?.hash);
      if (inPlace) continue;
      // Delete by rule text, not position: other agents (kube-proxy…) edit built-in chains too.
      for (const r of have) lines.push(`-D${r.line.slice(2)}`);
      wantRules.forEach((r, i) => lines.push(ruleLine('-I', chain, r, i + 1)));
    }
    return lines;
  }

  /** After a successful restore the kernel holds exactly the desired state. */
  private commit(kernel: KernelTable): void {
    for (const name of this.dirty) {
      const want = this.desired.get(name);
      if (want)
        kernel.chains.set(
          name,
          want.map((r) => ({ hash: r.hash, line: ruleLine('-A', name, r) })),
        );
      else kernel.chains.delete(name);
    }
    kernel.hooks.clear();
    for (const h of this.opts.hooks) {
      if (!this.desired.has(h.target)) continue;
      const rule = toRules(h.chain, [h.body])[0]!;
      const list = kernel.hooks.get(h.chain) ?? [];
      list.push({ hash: rule.hash, line: ruleLine('-A', h.chain, rule), pos: list.length + 1 });
      kernel.hooks.set(h.chain, list);
    }
    this.dirty.clear();
    this.written = cloneTable(kernel);
  }

  private async kernelState(): Promise<KernelTable> {
    if (this.kernel) return this.kernel;
    const pending = this.reading;
    this.reading = null;
    const kernel = (await pending) ?? (await this.readKernel());
    if (this.written) {
      const clobbered = clobberedChains(this.written, kernel);
      if (clobbered.length > 0) {
        this.opts.logger.warn('iptables state changed outside Palisade, repairing', {
          family: this.opts.family,
          chains: clobbered,
        });
        this.opts.onClobber?.(clobbered);
      }
    }
    for (const name of this.desired.keys()) this.dirty.add(name);
    for (const name of kernel.chains.keys()) if (isPalisadeChain(name)) this.dirty.add(name);
    this.kernel = kernel;
    return kernel;
  }

  private async readKernel(): Promise<KernelTable> {
    const start = performance.now();
    const res = await this.opts.exec(this.opts.commands.save, ['-t', 'filter']);
    checkResult(this.opts.commands.save, res);
    const kernel = parseIptablesSave(res.stdout);
    this.readTiming = { start, end: performance.now() };
    return kernel;
  }
}

function cloneTable(t: KernelTable): KernelTable {
  return {
    chains: new Map([...t.chains].map(([k, v]) => [k, [...v]])),
    hooks: new Map([...t.hooks].map(([k, v]) => [k, [...v]])),
  };
}
