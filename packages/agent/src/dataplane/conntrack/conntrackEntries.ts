/**
 * The text side of the `conntrack` tool (conntrack-tools): parsing `conntrack -L`
 * lines and building the `conntrack -D` arguments that delete exactly one entry.
 * Pure.
 */
import type { IpFamily } from '@palisade/model';
import { normalizeIp } from '../ipsets/members.js';

export interface Tuple {
  src: string;
  dst: string;
  /** Ports for tcp, udp, sctp, dccp, udplite; undefined for other protocols. */
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  family: IpFamily;
  /** Lower-case protocol name as conntrack prints it: tcp, udp, icmp, … */
  protocol: string;
  orig: Tuple;
  reply: Tuple;
}

/**
 * The connection as the FORWARD chain judged its first packet: PREROUTING's DNAT has
 * already run (the destination is the reply's source), POSTROUTING's SNAT has not (the
 * source is the original one). A Service connection is thus judged against the pod
 * that serves it, as the iptables rules do.
 */
export interface Flow {
  family: IpFamily;
  protocol: string;
  src: string;
  dst: string;
  dport?: number;
}

export function forwardFlow(e: ConntrackEntry): Flow {
  return {
    family: e.family,
    protocol: e.protocol,
    src: e.orig.src,
    dst: e.reply.src,
    ...(e.reply.sport === undefined ? {} : { dport: e.reply.sport }),
  };
}

/**
 * One `conntrack -L` line, e.g.
 * `tcp      6 431999 ESTABLISHED src=10.0.0.2 dst=10.0.0.3 sport=4242 dport=80 src=10.0.0.3 dst=10.0.0.2 sport=80 dport=4242 [ASSURED] mark=0 use=1`
 * The first src/dst/sport/dport are the original direction, the second the reply.
 * Returns null for anything else (headers, summaries, garbage).
 */
export function parseConntrackLine(line: string, family: IpFamily): ConntrackEntry | null {
  const fields = line.trim().split(/\s+/);
  const protocol = fields[0]?.toLowerCase();
  if (!protocol || !/^[a-z][a-z0-9-]*$/.test(protocol)) return null;
  const tuples: Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>>[] = [{}, {}];
  for (const f of fields.slice(1)) {
    const eq = f.indexOf('=');
    if (eq < 0) continue;
    const k = f.slice(0, eq);
    if (k !== 'src' && k !== 'dst' && k !== 'sport' && k !== 'dport') continue;
    const t = tuples[0]![k] === undefined ? tuples[0]! : tuples[1]!;
    if (t[k] === undefined) t[k] = f.slice(eq + 1);
  }
  const orig = toTuple(tuples[0]!);
  const reply = toTuple(tuples[1]!);
  if (!orig || !reply) return null;
  return { family, protocol, orig, reply };
}

function toTuple(t: Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>>): Tuple | null {
  const src = normalizeIp(t.src ?? '');
  const dst = normalizeIp(t.dst ?? '');
  if (src === null || dst === null) return null;
  const out: Tuple = { src, dst };
  if (t.sport !== undefined && t.dport !== undefined) {
    out.sport = Number(t.sport);
    out.dport = Number(t.dport);
  }
  return out;
}

export function parseConntrackList(text: string, family: IpFamily): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const e = parseConntrackLine(line, family);
    if (e) out.push(e);
  }
  return out;
}

/** `conntrack -D` arguments matching this entry's original tuple (and nothing else). */
export function deleteArgs(e: ConntrackEntry): string[] {
  const args = ['-D', '-f', e.family === 4 ? 'ipv4' : 'ipv6', '-p', e.protocol];
  args.push('--orig-src', e.orig.src, '--orig-dst', e.orig.dst);
  if (e.orig.sport !== undefined && e.orig.dport !== undefined)
    args.push('--sport', String(e.orig.sport), '--dport', String(e.orig.dport));
  return args;
}
