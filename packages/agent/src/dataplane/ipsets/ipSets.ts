/**
 * IpSets: the only writer of ipsets. Holds the desired sets (name → members) and a
 * cache of what the kernel holds, and writes the difference with `ipset restore`.
 *
 * Guarantees and ordering:
 *  - applyUpdates() runs before any iptables write, so a rule never references a set
 *    that does not exist yet; applyDeletions() runs after, once no rule refers to a set.
 *  - Membership churn is written as `add`/`del` lines only. A large rewrite goes to a
 *    temporary set that is swapped in, so readers never see a half-filled set.
 *  - A set referenced by a rule exists even when calc never sent (or already removed)
 *    it: empty, which never widens access.
 *  - The kernel is re-read after a failure and on markForResync(); the cache is
 *    trusted otherwise, so steady-state applies cost one `ipset restore`.
 *  - Once the kernel's sets are known (ready()), applyUpdates() spawns its restore
 *    before it returns, so the caller can render iptables chains while it runs.
 */
import type { Logger } from '@palisade/common';
import { ipsetName, isPalisadeIpset, tempIpsetName, type IpFamily } from '@palisade/model';
import type { IpSetId } from '../../messages.js';
import type { Exec } from '../exec.js';
import type { Interval } from '../applyBreakdown.js';
import { checkResult, defaultRetry, withRetry, type RetryOptions } from '../retry.js';
import {
  SET_TYPES,
  memberFamily,
  normalizeMember,
  resolveNetConflicts,
  type IpSetKind,
} from './members.js';

export const IPSET_MAXELEM = 1048576;
export const IPSET_HASHSIZE = 1024;

interface Entry {
  kind: IpSetKind;
  family: IpFamily;
  members: Set<string>;
  fromMessages: boolean;
  refs: number;
}

export interface KernelSet {
  type: string;
  family: IpFamily;
  maxelem: number;
  members: Set<string>;
}

export interface IpSetsOptions {
  exec: Exec;
  logger: Logger;
  ipv6: boolean;
  retry?: RetryOptions;
  /** Rewrite via swap when more members than this change (and over half the set). */
  swapThreshold?: number;
}

/** What one applyUpdates() did, for the apply breakdown. */
export interface IpSetWriteStats {
  /** Bytes of `ipset restore` input written. */
  inputBytes: number;
  /** The kernel read it used (absent when the cache was warm). */
  read?: Interval;
  /** Diffing desired against kernel sets and building the text. */
  build?: Interval;
  /** The `ipset restore` run(s), retries included. */
  write?: Interval;
}

const EMPTY: ReadonlySet<string> = new Set();

export class IpSets {
  private readonly desired = new Map<string, Entry>();
  private kernel: Map<string, KernelSet> | null = null;
  /** A read started by prefetch(), adopted by the next apply. */
  private reading: Promise<Map<string, KernelSet> | null> | null = null;
  private readonly dirty = new Set<string>();
  private readonly retry: RetryOptions;
  private readonly swapThreshold: number;
  /** When the last kernel read ran, until an apply reports it. */
  private readTiming: Interval | null = null;
  calls = 0;

  constructor(private readonly opts: IpSetsOptions) {
    this.retry = opts.retry ?? defaultRetry;
    this.swapThreshold = opts.swapThreshold ?? 64;
  }

  families(): IpFamily[] {
    return this.opts.ipv6 ? [4, 6] : [4];
  }

  /** Kernel name of `id` in `family`. */
  static nameOf(id: IpSetId, family: IpFamily): string {
    return ipsetName(id.kind, id.identity, family);
  }

  replaceMembers(id: IpSetId, members: string[]): void {
    const split = this.split(id.kind, members);
    for (const family of this.families()) {
      const e = this.entry(id, family);
      e.fromMessages = true;
      e.members = split.get(family) ?? new Set();
    }
  }

  updateMembers(id: IpSetId, added: string[], removed: string[]): void {
    const add = this.split(id.kind, added);
    const del = this.split(id.kind, removed);
    for (const family of this.families()) {
      const e = this.entry(id, family);
      e.fromMessages = true;
      for (const m of del.get(family) ?? []) e.members.delete(m);
      for (const m of add.get(family) ?? []) e.members.add(m);
    }
  }

  removeSet(id: IpSetId): void {
    for (const family of this.families()) {
      const e = this.entry(id, family);
      e.fromMessages = false;
      e.members = new Set();
      this.gc(IpSets.nameOf(id, family), e);
    }
  }

  /** Desired members of `id` in `family` (normalized kernel form); empty when unknown. */
  members(id: IpSetId, family: IpFamily): ReadonlySet<string> {
    return this.desired.get(IpSets.nameOf(id, family))?.members ?? EMPTY;
  }

  /** Rules start (+1) or stop (-1) referencing `id`. */
  reference(id: IpSetId, delta: 1 | -1): void {
    for (const family of this.families()) {
      const e = this.entry(id, family);
      e.refs += delta;
      this.gc(IpSets.nameOf(id, family), e);
    }
  }

  markForResync(): void {
    this.kernel = null;
    this.reading = null;
  }

  /**
   * Starts `ipset save` now when the next apply will need it, so that it overlaps the
   * caller's rendering. Never rejects: a failed read is done again, and reported, later.
   */
  prefetch(): void {
    if (this.kernel || this.reading) return;
    this.reading = this.readKernel().catch(() => null);
  }

  count(): number {
    return this.desired.size;
  }

  /**
   * Resolves once the kernel's sets are known (adopting a prefetch). Never rejects: a
   * failed read is done again, and reported, by applyUpdates().
   */
  async ready(): Promise<void> {
    try {
      await this.kernelState();
    } catch {
      this.markForResync();
    }
  }

  /**
   * Creates and fills sets; never destroys one that rules may still use. When the
   * kernel's sets are known, the restore is spawned before this returns.
   */
  async applyUpdates(): Promise<IpSetWriteStats> {
    const stats: IpSetWriteStats = { inputBytes: 0 };
    await withRetry(
      'ipset restore',
      async () => {
        // No await before the spawn when the cache is warm (see ready()).
        const kernel = this.kernel ?? (await this.kernelState());
        if (this.readTiming) stats.read = this.readTiming;
        this.readTiming = null;
        const start = performance.now();
        const { lines, touched } = this.updateLines(kernel);
        const input = lines.length === 0 ? '' : lines.join('\n') + '\n';
        stats.build = { start, end: performance.now() };
        if (lines.length === 0) return;
        const writeStart = stats.write?.start ?? performance.now();
        stats.inputBytes += input.length;
        try {
          await this.restore(input);
        } finally {
          stats.write = { start: writeStart, end: performance.now() };
        }
        for (const name of touched) {
          const e = this.desired.get(name);
          if (e) kernel.set(name, kernelSetOf(e));
        }
        this.dirty.clear();
      },
      { logger: this.opts.logger, retry: this.retry, onFailure: () => this.markForResync() },
    );
    this.dirty.clear();
    return stats;
  }

  /** Destroys sets nobody wants any more. A set still in use stays until a later apply. */
  async applyDeletions(): Promise<Interval | undefined> {
    const kernel = await this.kernelState();
    const stale = [...kernel.keys()].filter((n) => !this.desired.has(n)).sort();
    if (stale.length === 0) return undefined;
    const start = performance.now();
    await this.destroy(kernel, stale);
    return { start, end: performance.now() };
  }

  /** Destroys every Palisade set (agent --cleanup); run after the chains are gone. */
  async cleanup(): Promise<void> {
    this.markForResync();
    const kernel = await this.kernelState();
    await this.destroy(kernel, [...kernel.keys()].sort());
    this.desired.clear();
  }

  private async destroy(kernel: Map<string, KernelSet>, names: string[]): Promise<void> {
    if (names.length === 0) return;
    try {
      await this.restore(names.map((n) => `destroy ${n}\n`).join(''));
      for (const n of names) kernel.delete(n);
      return;
    } catch {
      // One set still in use stops the batch: go one by one so the others go away.
    }
    for (const n of names) {
      this.calls++;
      const res = await this.opts.exec('ipset', ['destroy', n]);
      if (res.code === 0 || /does not exist/.test(res.stderr)) kernel.delete(n);
      else this.opts.logger.warn('cannot destroy ipset yet', { ipset: n, err: res.stderr.trim() });
    }
  }

  private updateLines(kernel: Map<string, KernelSet>): { lines: string[]; touched: string[] } {
    const lines: string[] = [];
    const touched: string[] = [];
    for (const family of [4, 6] as const) {
      const tmp = tempIpsetName(family);
      if (kernel.has(tmp)) {
        lines.push(`destroy ${tmp}`);
        kernel.delete(tmp);
      }
    }
    for (const name of [...this.dirty].sort()) {
      const e = this.desired.get(name);
      if (!e) continue;
      const before = lines.length;
      this.setLines(name, e, kernel.get(name), lines);
      if (lines.length > before) touched.push(name);
    }
    return { lines, touched };
  }

  private setLines(name: string, e: Entry, k: KernelSet | undefined, lines: string[]): void {
    const type = SET_TYPES[e.kind];
    if (!k) {
      lines.push(createLine(name, e));
      pushMembers(lines, `add ${name}`, [...e.members].sort());
      return;
    }
    const adds = [...e.members].filter((m) => !k.members.has(m)).sort();
    const dels = [...k.members].filter((m) => !e.members.has(m)).sort();
    const changes = adds.length + dels.length;
    const incompatible = k.type !== type || k.family !== e.family;
    const rewrite =
      incompatible ||
      k.maxelem !== IPSET_MAXELEM ||
      (changes > this.swapThreshold && changes * 2 > Math.max(e.members.size, k.members.size));
    if (incompatible) {
      // Names encode kind and family, so only a foreign set gets here; swap needs one type.
      lines.push(`destroy ${name}`, createLine(name, e));
      pushMembers(lines, `add ${name}`, [...e.members].sort());
    } else if (rewrite) {
      const tmp = tempIpsetName(e.family);
      lines.push(createLine(tmp, e));
      pushMembers(lines, `add ${tmp}`, [...e.members].sort());
      lines.push(`swap ${tmp} ${name}`, `destroy ${tmp}`);
    } else {
      pushMembers(lines, `del ${name}`, dels);
      pushMembers(lines, `add ${name}`, adds);
    }
  }

  private async restore(input: string): Promise<void> {
    this.calls++;
    const res = await this.opts.exec('ipset', ['restore', '-exist'], { input });
    checkResult('ipset restore', res);
  }

  private async kernelState(): Promise<Map<string, KernelSet>> {
    if (this.kernel) return this.kernel;
    const pending = this.reading;
    this.reading = null;
    const kernel = (await pending) ?? (await this.readKernel());
    this.kernel = kernel;
    for (const name of this.desired.keys()) this.dirty.add(name);
    return kernel;
  }

  private async readKernel(): Promise<Map<string, KernelSet>> {
    this.calls++;
    const start = performance.now();
    const res = await this.opts.exec('ipset', ['save']);
    checkResult('ipset save', res);
    const kernel = parseIpsetSave(res.stdout);
    this.readTiming = { start, end: performance.now() };
    return kernel;
  }

  private entry(id: IpSetId, family: IpFamily): Entry {
    const name = IpSets.nameOf(id, family);
    let e = this.desired.get(name);
    if (!e) {
      e = { kind: id.kind, family, members: new Set(), fromMessages: false, refs: 0 };
      this.desired.set(name, e);
    }
    this.dirty.add(name);
    return e;
  }

  private gc(name: string, e: Entry): void {
    if (!e.fromMessages && e.refs <= 0) this.desired.delete(name);
  }

  private split(kind: IpSetKind, members: string[]): Map<IpFamily, Set<string>> {
    const out = new Map<IpFamily, Set<string>>();
    for (const raw of members) {
      const family = memberFamily(kind, raw);
      if (family === 6 && !this.opts.ipv6) continue;
      for (const m of normalizeMember(kind, raw)) {
        let set = out.get(family);
        if (!set) out.set(family, (set = new Set()));
        set.add(m);
      }
    }
    if (kind === 'c') for (const set of out.values()) resolveNetConflicts(set);
    return out;
  }
}

function createLine(name: string, e: Entry): string {
  const family = e.family === 6 ? 'inet6' : 'inet';
  return `create ${name} ${SET_TYPES[e.kind]} family ${family} hashsize ${IPSET_HASHSIZE} maxelem ${IPSET_MAXELEM}`;
}

function kernelSetOf(e: Entry): KernelSet {
  return {
    type: SET_TYPES[e.kind],
    family: e.family,
    maxelem: IPSET_MAXELEM,
    members: new Set(e.members),
  };
}

/** Parses `ipset save`, keeping only Palisade sets. */
export function parseIpsetSave(text: string): Map<string, KernelSet> {
  const sets = new Map<string, KernelSet>();
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const [verb, name] = words;
    if (name === undefined || !isPalisadeIpset(name)) continue;
    if (verb === 'create') {
      const opt = (key: string): string | undefined => words[words.indexOf(key) + 1];
      sets.set(name, {
        type: words[2] ?? '',
        family: opt('family') === 'inet6' ? 6 : 4,
        maxelem: Number(opt('maxelem') ?? 65536),
        members: new Set(),
      });
    } else if (verb === 'add') {
      sets.get(name)?.members.add(words.slice(2).join(' '));
    }
  }
  return sets;
}

/**
 * One line per member, pushed one by one: `lines.push(...members)` passes every member
 * as an argument and overflows the stack past ~100k members (a 150k-pod cluster).
 */
function pushMembers(lines: string[], prefix: string, members: readonly string[]): void {
  for (const m of members) lines.push(`${prefix} ${m}`);
}
