/**
 * ipset member text, normalized to exactly what `ipset save` prints, so that a set
 * read back from the kernel compares equal to the desired one. Without this a resync
 * would see `fd00:0::1` (desired) and `fd00::1` (kernel) as two members and delete
 * the real one.
 */
import { bigIntToIp, ipToBigInt, type IpFamily } from '@palisade/model';
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

/**
 * hash:net keeps one entry per network, flagged `nomatch` or not: a member list with
 * both `N` and `N nomatch` has no kernel form (`ipset restore -exist` keeps whichever
 * is written last, and a resync then flips it). Calc sends exact sets without
 * `nomatch`; should a list ever hold both, `nomatch` wins: narrower, never wider.
 */
export function resolveNetConflicts(members: Set<string>): Set<string> {
  for (const m of members)
    if (m.endsWith(' nomatch')) members.delete(m.slice(0, -' nomatch'.length));
  return members;
}

/** Canonical text of an IP address (RFC 5952 for v6, like inet_ntop), or null. */
export function normalizeIp(ip: string): string | null {
  const bits = ipToBigInt(ip);
  return bits === null ? null : bigIntToIp(bits, familyOf(ip));
}

export { formatIpv6Groups } from '@palisade/model';
