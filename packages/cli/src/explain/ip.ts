/** IP addresses as numbers, so that CIDR containment and equality ignore spelling. */
import { isIP } from 'node:net';

export interface IpValue {
  family: 4 | 6;
  value: bigint;
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint {
  // An embedded IPv4 tail (::ffff:1.2.3.4) is rewritten as two hextets first.
  const s = text.replace(/(\d+\.\d+\.\d+\.\d+)$/, (v4) => {
    const n = Number(parseV4(v4));
    return `${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  });
  const [head = '', rest] = s.split('::');
  const hs = head === '' ? [] : head.split(':');
  const rs = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - hs.length - rs.length;
  const groups = [...hs, ...Array<string>(fill).fill('0'), ...rs].map((h) => parseInt(h, 16));
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses an IPv4 or IPv6 address; null when it is not one. */
export function parseIp(text: string): IpValue | null {
  const t = text.trim();
  switch (isIP(t)) {
    case 4:
      return { family: 4, value: parseV4(t) };
    case 6:
      return { family: 6, value: parseV6(t.toLowerCase()) };
    default:
      return null;
  }
}

export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null && x.family === y.family && x.value === y.value;
}

/** Whether `ip` lies inside `cidr`; false for mismatched families or bad input. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [addr = '', lenText] = cidr.split('/');
  const net = parseIp(addr);
  const host = parseIp(ip);
  if (net === null || host === null || net.family !== host.family) return false;
  const bits = net.family === 4 ? 32 : 128;
  const len = lenText === undefined ? bits : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > bits) return false;
  const shift = BigInt(bits - len);
  return net.value >> shift === host.value >> shift;
}

export function ipFamily(ip: string): 4 | 6 | null {
  return parseIp(ip)?.family ?? null;
}
