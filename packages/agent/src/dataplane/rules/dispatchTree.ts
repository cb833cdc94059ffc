/**
 * Renders the dispatch from a local workload IP to its endpoint chain(s), per family and
 * direction, as a tree of chains split by address prefix. Pure.
 *
 * Why a tree: a flat list costs a new connection one rule check per local IP before it
 * reaches its endpoint (250 on a dense node). The tree is a path-compressed trie with a
 * fan-out of 16 (4 bits a level): a node lists at most 16 children, so a packet checks at
 * most 16 rules per level and there are log16(n) levels (two for a node's /24).
 *
 * Why prefix names: a node's chain is named after its prefix alone (`dispatchChain`), so
 * its content depends only on the IPs under it. Adding or removing a pod changes the
 * chains on its path from the root and nothing else, and the Table, which diffs chains
 * by content hash, rewrites only those.
 *
 * Shared IPs (issue 10): when several local endpoints hold one IP the IP gets a leaf
 * chain that calls every endpoint chain in turn, dropping the packet unless each one set
 * the accept mark. The packet must pass all of them: the most restrictive wins.
 */
import {
  CHAINS,
  bigIntToIp,
  canonicalIpText,
  dispatchChain,
  ipToBigInt,
  type IpFamily,
} from '@palisade/model';
import type { Direction, EndpointUpdate } from '../../messages.js';
import { familyOf } from '../ipsets/members.js';
import { endpointChain } from './endpointRenderer.js';
import { MARK_ACCEPT, hex } from './marks.js';

/** Bits consumed per tree level: 16 children at most per chain. */
export const DISPATCH_STRIDE = 4;

/** A local workload IP and the endpoint chains (sorted) that hold it. */
export interface DispatchEntry {
  ip: string;
  chains: string[];
}

interface Leaf {
  bits: bigint;
  entry: DispatchEntry;
}

interface Ctx {
  direction: Direction;
  family: IpFamily;
  width: number;
  out: Map<string, string[]>;
}

/**
 * Local IPs of `family` (canonical text) and their endpoint chains, sorted by chain. Keyed
 * by the canonical text so that two spellings of one address make one shared leaf: two
 * leaves with equal bits would leave one endpoint unreachable (and the tree unsplittable).
 */
export function dispatchEntries(
  direction: Direction,
  endpoints: readonly EndpointUpdate[],
  family: IpFamily,
): DispatchEntry[] {
  const byIp = new Map<string, Set<string>>();
  for (const ep of endpoints) {
    const chain = endpointChain(direction, ep.endpoint);
    for (const raw of ep.ips) {
      const ip = canonicalIpText(raw.split('/')[0] ?? raw);
      if (familyOf(ip) !== family) continue;
      const holders = byIp.get(ip) ?? new Set<string>();
      holders.add(chain);
      byIp.set(ip, holders);
    }
  }
  return [...byIp].map(([ip, chains]) => ({ ip, chains: [...chains].sort() }));
}

/**
 * Every chain of the tree (the root `pal-to-wl-dispatch`/`pal-from-wl-dispatch` included),
 * name → rule bodies.
 */
export function renderDispatchTree(
  direction: Direction,
  endpoints: readonly EndpointUpdate[],
  family: IpFamily,
): Map<string, string[]> {
  const ctx: Ctx = { direction, family, width: family === 4 ? 32 : 128, out: new Map() };
  const leaves: Leaf[] = [];
  for (const entry of dispatchEntries(direction, endpoints, family)) {
    const bits = ipToBigInt(entry.ip);
    if (bits !== null) leaves.push({ bits, entry });
  }
  leaves.sort((a, b) => (a.bits < b.bits ? -1 : a.bits > b.bits ? 1 : 0));
  const root = direction === 'ingress' ? CHAINS.toWorkloadDispatch : CHAINS.fromWorkloadDispatch;
  const first = leaves[0];
  ctx.out.set(root, []); // the root first, then its subtrees depth-first
  ctx.out.set(
    root,
    !first ? [] : leaves.length === 1 ? [leafRule(ctx, first)] : nodeRules(ctx, leaves),
  );
  return ctx.out;
}

function flag(ctx: Ctx): string {
  return ctx.direction === 'ingress' ? '-d' : '-s';
}

function chainOf(ctx: Ctx, cidr: string): string {
  return dispatchChain(ctx.direction === 'ingress' ? 'to' : 'from', cidr);
}

/** Prefix length (a multiple of the stride) that every leaf of a sorted run shares. */
function alignedCommonPrefix(ctx: Ctx, run: readonly Leaf[]): number {
  const diff = run[0]!.bits ^ run[run.length - 1]!.bits;
  const common = ctx.width - diff.toString(2).length + (diff === 0n ? 1 : 0);
  return Math.floor(Math.min(common, ctx.width - 1) / DISPATCH_STRIDE) * DISPATCH_STRIDE;
}

/** Rules of the node holding `run` (≥ 2 sorted leaves); records child chains in ctx. */
function nodeRules(ctx: Ctx, run: readonly Leaf[]): string[] {
  const len = alignedCommonPrefix(ctx, run);
  const shift = BigInt(ctx.width - len - DISPATCH_STRIDE);
  const rules: string[] = [];
  let start = 0;
  while (start < run.length) {
    const key = run[start]!.bits >> shift;
    let end = start + 1;
    while (end < run.length && run[end]!.bits >> shift === key) end++;
    const group = run.slice(start, end);
    rules.push(group.length === 1 ? leafRule(ctx, group[0]!) : childRule(ctx, group));
    start = end;
  }
  return rules;
}

function childRule(ctx: Ctx, group: readonly Leaf[]): string {
  const len = alignedCommonPrefix(ctx, group);
  const host = BigInt(ctx.width - len);
  const cidr = `${bigIntToIp((group[0]!.bits >> host) << host, ctx.family)}/${len}`;
  const chain = chainOf(ctx, cidr);
  ctx.out.set(chain, nodeRules(ctx, group));
  return `${flag(ctx)} ${cidr} -g ${chain}`;
}

/** One IP: a goto its endpoint chain, or to a shared-IP leaf calling all of them. */
function leafRule(ctx: Ctx, leaf: Leaf): string {
  const cidr = `${bigIntToIp(leaf.bits, ctx.family)}/${ctx.width}`;
  const { chains } = leaf.entry;
  if (chains.length === 1) return `${flag(ctx)} ${cidr} -g ${chains[0]!}`;
  const shared = chainOf(ctx, cidr);
  ctx.out.set(shared, renderSharedIpLeaf(chains));
  return `${flag(ctx)} ${cidr} -g ${shared}`;
}

/**
 * Calls each endpoint chain; a chain that did not set the accept mark (it drops on its
 * own, but fail closed anyway) ends the walk with DROP. The next chain starts from the
 * mark the previous one left: an isolated chain clears it before its own policies.
 */
export function renderSharedIpLeaf(chains: readonly string[]): string[] {
  const notAccepted = `-m mark ! --mark ${hex(MARK_ACCEPT)}/${hex(MARK_ACCEPT)} -j DROP`;
  return chains.flatMap((c) => [`-j ${c}`, notAccepted]);
}
