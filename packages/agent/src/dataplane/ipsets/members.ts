/**
 * ipset member text, normalized to exactly what `ipset save` prints, so that a set
 * read back from the kernel compares equal to the desired one. Without this a resync
 * would see `fd00:0::1` (desired) and `fd00::1` (kernel) as two members and delete
 * the real one.
 */
import type { IpFamily } from '@palisade/model';
import type { IpSetId } from '../../messages.js';

export type IpSetKind = IpSetId['kind'];

export const SET_TYPES: Record<IpSetKind, string> = {
  s: 'hash:ip',
  n: 'hash:ip,port',
  c: 'hash:net',
};

export function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 6 : 4;
}

/** Family of one member: the IP part decides (`fd00::1,tcp:80` is v6). */
export function memberFamily(kind: IpSetKind, member: string): IpFamily {
  if (kind === 'n') {
    const comma = member.lastIndexOf(',');
    return familyOf(comma < 0 ? member : member.slice(0, comma));
  }
  return familyOf(member.split(' ')[0] ?? member);
}

/**
 * Normalized kernel members for one set member. Usually one; a hash:net `/0` becomes
 * two `/1` halves because hash:net refuses a zero prefix. Returns [] for garbage.
 */
export function normalizeMember(kind: IpSetKind, member: string): string[] {
  const m = member.trim();
  switch (kind) {
    case 's': {
      const ip = normalizeIp(m);
      return ip === null ? [] : [ip];
    }
    case 'n': {
      const match = /^(.*),([A-Za-z]+):(\d+)$/.exec(m);
      if (!match) return [];
      const ip = normalizeIp(match[1] ?? '');
      return ip === null ? [] : [`${ip},${(match[2] ?? '').toLowerCase()}:${Number(match[3])}`];
    }
    case 'c':
      return normalizeNet(m);
  }
}

function normalizeNet(m: string): string[] {
  const [cidr = '', flag] = m.split(/\s+/);
  const suffix = flag === 'nomatch' ? ' nomatch' : '';
  const [addr = '', lenText] = cidr.split('/');
  const family = familyOf(addr);
  const max = family === 4 ? 32 : 128;
  const len = lenText === undefined ? max : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > max) return [];
  const bits = ipToBigInt(addr);
  if (bits === null) return [];
  if (len === 0) {
    const half = family === 4 ? ['0.0.0.0/1', '128.0.0.0/1'] : ['::/1', '8000::/1'];
    return half.map((h) => h + suffix);
  }
  const hostBits = BigInt(max - len);
  const masked = (bits >> hostBits) << hostBits;
  const text = bigIntToIp(masked, family);
  return [len === max ? text + suffix : `${text}/${len}${suffix}`];
}

/** Canonical text of an IP address (RFC 5952 for v6, like inet_ntop), or null. */
export function normalizeIp(ip: string): string | null {
  const bits = ipToBigInt(ip);
  return bits === null ? null : bigIntToIp(bits, familyOf(ip));
}

function ipToBigInt(ip: string): bigint | null {
  if (!ip.includes(':')) {
    const parts = ip.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
      return null;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
  }
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const low = ipToBigInt(v4[1]);
    if (low === null) return null;
    text =
      text.slice(0, -v4[1].length) + `${(low >> 16n).toString(16)}:${(low & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIp(bits: bigint, family: IpFamily): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((bits >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((bits >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6Groups(groups);
}

/** RFC 5952 text of eight 16-bit groups: lowercase, the longest run (≥ 2, first on a tie) of zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`. */
export function formatIpv6Groups(groups: readonly number[]): string {
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const v4 = ((groups[6] ?? 0) * 0x10000 + (groups[7] ?? 0)) >>> 0;
    return `::ffff:${[24, 16, 8, 0].map((s) => (v4 >>> s) & 0xff).join('.')}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
