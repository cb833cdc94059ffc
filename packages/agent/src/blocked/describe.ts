/**
 * Turns one logged (dropped) packet into the human line and fields of a
 * blocked-connection log entry. Pure.
 */
import type { Direction, ObjectRef } from '../messages.js';
import { parseNflogPrefix } from '../dataplane/index.js';
import type { LoggedPacket } from './pcap.js';

export interface PodInfo {
  namespace: string;
  name: string;
  node: string;
}

/** What the agent knows about IPs and policies (backed by the calc graph). */
export interface BlockedContext {
  describeIp(ip: string): PodInfo | null;
  /** Policies that apply to a local endpoint in one direction, in evaluation order. */
  policiesFor(ref: ObjectRef, direction: Direction): ObjectRef[];
}

export interface BlockedEntry {
  /** e.g. `TCP 10.65.1.7:56648 -> 10.65.2.11:80 blocked: x/a -> y/b, ingress, isolated by policy y/deny-all, no rule allows` */
  line: string;
  direction: Direction | 'unknown';
  /** The local endpoint whose policy dropped the packet. */
  endpoint: ObjectRef | null;
  fields: Record<string, unknown>;
}

/**
 * Reads the direction from an NFLOG prefix: the dataplane's `pal|D|i|<hash>` /
 * `pal|D|e|<hash>` (see docs/dataplane.md); for robustness against older formats also
 * the chain kinds `tw`/`fw` and the words `ingress`/`egress`.
 */
export function directionFromPrefix(prefix: string): Direction | 'unknown' {
  const parsed = parseNflogPrefix(prefix);
  if (parsed) return parsed.direction;
  for (const tok of prefix.toLowerCase().split(/[^a-z0-9]+/)) {
    if (tok === 'tw' || tok === 'ingress' || tok === 'in') return 'ingress';
    if (tok === 'fw' || tok === 'egress' || tok === 'out') return 'egress';
  }
  return 'unknown';
}

function hostPort(ip: string, port: number | null, family: 4 | 6): string {
  if (port === null) return ip;
  return family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const refText = (r: ObjectRef): string => `${r.namespace}/${r.name}`;

export function describeBlocked(pkt: LoggedPacket, ctx: BlockedContext): BlockedEntry {
  const direction = directionFromPrefix(pkt.prefix);
  const src = ctx.describeIp(pkt.src);
  const dst = ctx.describeIp(pkt.dst);
  const local = direction === 'ingress' ? dst : direction === 'egress' ? src : null;
  const endpoint = local ? { namespace: local.namespace, name: local.name } : null;
  const policies = endpoint && direction !== 'unknown' ? ctx.policiesFor(endpoint, direction) : [];
  const reason =
    policies.length === 0
      ? 'isolated, no rule allows'
      : `isolated by ${policies.length === 1 ? 'policy' : 'policies'} ${policies.map(refText).join(', ')}, no rule allows`;
  const who = (p: PodInfo | null, ip: string): string => (p ? refText(p) : `${ip} (not a pod)`);
  const head = `${pkt.protocol} ${hostPort(pkt.src, pkt.srcPort, pkt.family)} -> ${hostPort(pkt.dst, pkt.dstPort, pkt.family)} blocked`;
  const line = `${head}: ${who(src, pkt.src)} -> ${who(dst, pkt.dst)}, ${direction}, ${reason}`;
  return {
    line,
    direction,
    endpoint,
    fields: {
      protocol: pkt.protocol,
      src: pkt.src,
      srcPort: pkt.srcPort,
      dst: pkt.dst,
      dstPort: pkt.dstPort,
      srcPod: src ? refText(src) : null,
      dstPod: dst ? refText(dst) : null,
      direction,
      policies: policies.map(refText),
      prefix: pkt.prefix,
    },
  };
}

/** The key under which repeated packets of one connection attempt are logged once. */
export function connectionKey(pkt: LoggedPacket): string {
  return `${pkt.protocol}|${pkt.src}|${pkt.srcPort ?? ''}|${pkt.dst}|${pkt.dstPort ?? ''}`;
}
