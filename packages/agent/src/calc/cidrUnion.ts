/**
 * Exact address sets for IP-block peers. Pure.
 *
 * A rule's ipBlocks (each a CIDR minus its excepts) are turned into the union of their
 * address ranges, per family, and written back as a minimal list of disjoint CIDRs.
 * The result never holds `nomatch` entries: hash:net keeps one entry per network, so a
 * list holding both `N` and `N nomatch` (which `/0` minus one `/1` half used to give)
 * cannot be represented, and `ipset restore -exist` silently kept whichever came last.
 * Disjoint plain CIDRs are exactly what the kernel holds and what `ipset save` prints
 * back, so a resync compares equal and never rewrites the set.
 *
 * hash:net refuses a zero prefix, so a whole family is written as its two `/1` halves.
 */
import { bigIntToIp, ipFamilyOf, ipToBigInt, type IpFamily } from '@palisade/model';

export interface IpBlock {
  cidr: string;
  except: readonly string[];
}

interface Range {
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

const WIDTH: Record<IpFamily, number> = { 4: 32, 6: 128 };

/** Disjoint CIDRs covering exactly the union of `blocks`, v4 first, each family sorted. */
export function cidrUnion(blocks: readonly IpBlock[]): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const ranges: Range[] = [];
    for (const block of blocks) {
      const base = parseCidr(block.cidr);
      if (base === null || base.family !== family) continue;
      let pieces: Range[] = [base.range];
      for (const e of block.except) {
        const ex = parseCidr(e);
        if (ex !== null && ex.family === family)
          pieces = pieces.flatMap((p) => subtract(p, ex.range));
      }
      ranges.push(...pieces);
    }
    for (const r of merge(ranges)) out.push(...toCidrs(r, family));
  }
  return out;
}

function subtract(r: Range, ex: Range): Range[] {
  if (ex.end < r.start || ex.start > r.end) return [r];
  const out: Range[] = [];
  if (ex.start > r.start) out.push({ start: r.start, end: ex.start - 1n });
  if (ex.end < r.end) out.push({ start: ex.end + 1n, end: r.end });
  return out;
}

function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** The largest aligned blocks that tile `r`, as CIDR text (a /0 as two /1 halves). */
function toCidrs(r: Range, family: IpFamily): string[] {
  const width = WIDTH[family];
  const out: string[] = [];
  let start = r.start;
  while (start <= r.end) {
    let len = width;
    while (len > 0) {
      const size = 1n << BigInt(width - len + 1);
      if (start % size !== 0n || start + size - 1n > r.end) break;
      len--;
    }
    if (len === 0) {
      const half = 1n << BigInt(width - 1);
      out.push(`${bigIntToIp(0n, family)}/1`, `${bigIntToIp(half, family)}/1`);
    } else out.push(`${bigIntToIp(start, family)}/${len}`);
    start += 1n << BigInt(width - len);
  }
  return out;
}

function parseCidr(text: string): { family: IpFamily; range: Range } | null {
  const [addr = '', lenText] = text.trim().split('/');
  const family = ipFamilyOf(addr);
  const width = WIDTH[family];
  const len = lenText === undefined ? width : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > width) return null;
  const bits = ipToBigInt(addr);
  if (bits === null) return null;
  const host = BigInt(width - len);
  const start = (bits >> host) << host;
  return { family, range: { start, end: start + (1n << host) - 1n } };
}
