/**
 * IP and CIDR parsing for translation: strict parsing (no leading zeros in IPv4, no
 * zones), canonical text (RFC 5952 for IPv6) and host-bit masking, so that equal
 * blocks always print the same way and `10.1.2.3/8` is stored as `10.0.0.0/8`.
 */

export interface ParsedIp {
  family: 4 | 6;
  /** 4 bytes (IPv4) or 8 16-bit groups (IPv6). */
  parts: number[];
}

export interface ParsedCidr extends ParsedIp {
  prefix: number;
}

function parseIpv4(text: string): number[] | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  const out: number[] = [];
  for (const o of octets) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(o)) return null;
    const n = Number(o);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  const items = text.split(':');
  for (const [i, g] of items.entries()) {
    if (i === items.length - 1 && g.includes('.')) {
      const v4 = parseIpv4(g);
      if (!v4) return null;
      out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '');
  if (!head) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const tail = parseGroups(halves[1] ?? '');
  if (!tail) return null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

export function parseIp(text: string): ParsedIp | null {
  if (text.includes(':')) {
    const parts = parseIpv6(text);
    return parts ? { family: 6, parts } : null;
  }
  const parts = parseIpv4(text);
  return parts ? { family: 4, parts } : null;
}

/** RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function formatIp(ip: ParsedIp): string {
  return ip.family === 4 ? ip.parts.join('.') : formatIpv6(ip.parts);
}

/** The canonical text of an IP address, or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : null;
}

export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > (ip.family === 4 ? 32 : 128)) return null;
  return { ...ip, prefix };
}

/** Clears the host bits. */
export function maskCidr(c: ParsedCidr): ParsedCidr {
  const width = c.family === 4 ? 8 : 16;
  const parts = c.parts.map((p, i) => {
    const keep = Math.max(0, Math.min(width, c.prefix - i * width));
    const mask = keep === 0 ? 0 : ((0xffff << (width - keep)) & ((1 << width) - 1));
    return p & mask;
  });
  return { ...c, parts };
}

export function formatCidr(c: ParsedCidr): string {
  return `${formatIp(c)}/${c.prefix}`;
}

/** True when `inner` lies within `outer` (same family, at least as long a prefix). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const narrowed = maskCidr({ ...inner, prefix: outer.prefix });
  const base = maskCidr(outer);
  return narrowed.parts.every((p, i) => p === base.parts[i]);
}
