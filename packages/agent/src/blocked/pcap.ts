/**
 * A streaming reader for the pcap files `tcpdump -i nflog:<group> -w - -U` writes, and
 * a decoder for LINKTYPE_NFLOG (239) records: the NFLOG prefix and the IP header of
 * the logged packet. Pure: bytes in, packets out.
 *
 * LINKTYPE_NFLOG record: u8 family (AF_INET 2 / AF_INET6 10), u8 version, u16 BE
 * resource id (the group), then TLVs of (u16 length incl. header, u16 type, value),
 * each padded to 4 bytes. Length and type are in the capturing host's byte order,
 * which is also the byte order of the pcap file header that the same host wrote.
 */
import { formatIpv6Groups } from '../dataplane/ipsets/members.js';

export const LINKTYPE_NFLOG = 239;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;

export interface PcapRecord {
  /** Capture time, ms since the epoch. */
  timeMs: number;
  data: Buffer;
}

export interface LoggedPacket {
  group: number;
  prefix: string;
  family: 4 | 6;
  protocol: string;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
}

/** Splits a pcap byte stream into records. Feed chunks with push(); it keeps partial data. */
export class PcapStreamReader {
  private buf = Buffer.alloc(0);
  private little: boolean | null = null;
  private nanos = false;
  linktype: number | null = null;

  push(chunk: Buffer): PcapRecord[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: PcapRecord[] = [];
    if (this.little === null && !this.readHeader()) return out;
    for (;;) {
      if (this.buf.length < 16) break;
      const u32 = (o: number): number =>
        this.little ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
      const inclLen = u32(8);
      if (this.buf.length < 16 + inclLen) break;
      const sub = u32(4);
      out.push({
        timeMs: u32(0) * 1000 + (this.nanos ? sub / 1e6 : sub / 1e3),
        data: Buffer.from(this.buf.subarray(16, 16 + inclLen)),
      });
      this.buf = this.buf.subarray(16 + inclLen);
    }
    return out;
  }

  /** True when the host that wrote the stream is little-endian (also the NFLOG TLVs' order). */
  get littleEndian(): boolean {
    return this.little ?? true;
  }

  private readHeader(): boolean {
    if (this.buf.length < 24) return false;
    const magicLE = this.buf.readUInt32LE(0);
    if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) this.little = true;
    else if (this.buf.readUInt32BE(0) === 0xa1b2c3d4 || this.buf.readUInt32BE(0) === 0xa1b23c4d)
      this.little = false;
    else throw new Error('not a pcap stream (bad magic)');
    const magic = this.little ? magicLE : this.buf.readUInt32BE(0);
    this.nanos = magic === 0xa1b23c4d;
    this.linktype = this.little ? this.buf.readUInt32LE(20) : this.buf.readUInt32BE(20);
    this.buf = this.buf.subarray(24);
    return true;
  }
}

/** Decodes one LINKTYPE_NFLOG record; null when it carries no usable IP packet. */
export function decodeNflog(data: Buffer, littleEndian: boolean): LoggedPacket | null {
  if (data.length < 4) return null;
  const group = data.readUInt16BE(2);
  let prefix = '';
  let payload: Buffer | null = null;
  let off = 4;
  while (off + 4 <= data.length) {
    const len = littleEndian ? data.readUInt16LE(off) : data.readUInt16BE(off);
    const type = (littleEndian ? data.readUInt16LE(off + 2) : data.readUInt16BE(off + 2)) & 0x7fff;
    if (len < 4 || off + len > data.length) break;
    const value = data.subarray(off + 4, off + len);
    if (type === NFULA_PREFIX) prefix = value.toString('utf8').replace(/\0.*$/s, '');
    else if (type === NFULA_PAYLOAD) payload = value;
    off += (len + 3) & ~3;
  }
  if (!payload) return null;
  const ip = decodeIp(payload);
  return ip ? { group, prefix, ...ip } : null;
}

const PROTOCOLS: Record<number, string> = {
  1: 'ICMP',
  6: 'TCP',
  17: 'UDP',
  58: 'ICMPv6',
  132: 'SCTP',
};
const WITH_PORTS = new Set([6, 17, 132]);

type IpInfo = Omit<LoggedPacket, 'group' | 'prefix'>;

/** Reads src/dst/protocol/ports from an IPv4 or IPv6 packet. */
export function decodeIp(p: Buffer): IpInfo | null {
  if (p.length < 1) return null;
  const version = p[0]! >> 4;
  if (version === 4) {
    if (p.length < 20) return null;
    const ihl = (p[0]! & 0x0f) * 4;
    const proto = p[9]!;
    const fragOffset = p.readUInt16BE(6) & 0x1fff;
    return withPorts(
      p,
      { family: 4, proto, src: ipv4(p, 12), dst: ipv4(p, 16) },
      fragOffset === 0 ? ihl : -1,
    );
  }
  if (version === 6) {
    if (p.length < 40) return null;
    return withPorts(p, { family: 6, proto: p[6]!, src: ipv6(p, 8), dst: ipv6(p, 24) }, 40);
  }
  return null;
}

function withPorts(
  p: Buffer,
  h: { family: 4 | 6; proto: number; src: string; dst: string },
  l4: number,
): IpInfo {
  const ports = l4 >= 0 && WITH_PORTS.has(h.proto) && p.length >= l4 + 4;
  return {
    family: h.family,
    protocol: PROTOCOLS[h.proto] ?? `proto-${h.proto}`,
    src: h.src,
    dst: h.dst,
    srcPort: ports ? p.readUInt16BE(l4) : null,
    dstPort: ports ? p.readUInt16BE(l4 + 2) : null,
  };
}

function ipv4(p: Buffer, o: number): string {
  return `${p[o]}.${p[o + 1]}.${p[o + 2]}.${p[o + 3]}`;
}

/** RFC 5952 text of the 16 bytes at `o`. */
function ipv6(p: Buffer, o: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(p.readUInt16BE(o + i * 2));
  return formatIpv6Groups(groups);
}
