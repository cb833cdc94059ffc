/**
 * IP addresses as big integers: the one parser and formatter that the agent's calc
 * graph (exact CIDR arithmetic) and dataplane (ipset member text) share. Formatting is
 * RFC 5952 for IPv6, as inet_ntop and `ipset save` print it.
 */
import type { IpFamily } from './names.js';

export function ipFamilyOf(ip: string): IpFamily {
  return ip.includes(':') ? 6 : 4;
}

/** The address as an integer (32 or 128 bits), or null when it is not an IP address. */
export function ipToBigInt(ip: string): bigint | null {
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

/**
 * The canonical text of an address (RFC 5952 for IPv6, no leading zeros), or the input
 * when it is not one. Stored values may spell one address several ways (`fd00::5`,
 * `FD00:0::5`); whatever compares addresses as strings must compare these.
 */
export function canonicalIpText(ip: string): string {
  const bits = ipToBigInt(ip);
  return bits === null ? ip : bigIntToIp(bits, ipFamilyOf(ip));
}

/** Canonical text of a 32- or 128-bit integer. */
export function bigIntToIp(bits: bigint, family: IpFamily): string {
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
