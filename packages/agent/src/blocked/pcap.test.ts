import { describe, expect, it } from 'vitest';
import { decodeIp, decodeNflog, LINKTYPE_NFLOG, PcapStreamReader } from './pcap.js';

/** A real capture: `tcpdump -i nflog:5 -w -` of one TCP SYN 127.0.0.1:35834 -> 127.0.0.1:81, prefix "pal-drop tw test". */
const REAL_CAPTURE =
  'd4c3b2a102000400000000000000000000040000ef0000001a2c076badc604007c0000007c00000002000005080001000800030015000a0070616c2d64726f70207477207465737400000000080005000000000108000b000000000008000e0000000000400009004500003ce2f84000400659c17f0000017f0000018bfa0051ef7fcf5600000000a002ffd7fe3000000204ffd70402080a80c39f74000000000103030a';

function tlv(type: number, value: Buffer, le: boolean): Buffer {
  const len = 4 + value.length;
  const head = Buffer.alloc(4);
  if (le) {
    head.writeUInt16LE(len, 0);
    head.writeUInt16LE(type, 2);
  } else {
    head.writeUInt16BE(len, 0);
    head.writeUInt16BE(type, 2);
  }
  return Buffer.concat([head, value, Buffer.alloc((4 - (len % 4)) % 4)]);
}

function ipv4Packet(
  proto: number,
  src: number[],
  dst: number[],
  sport: number,
  dport: number,
): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x45;
  b[9] = proto;
  Buffer.from(src).copy(b, 12);
  Buffer.from(dst).copy(b, 16);
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  return b;
}

function ipv6Packet(proto: number, src: Buffer, dst: Buffer, sport: number, dport: number): Buffer {
  const b = Buffer.alloc(48);
  b[0] = 0x60;
  b[6] = proto;
  src.copy(b, 8);
  dst.copy(b, 24);
  b.writeUInt16BE(sport, 40);
  b.writeUInt16BE(dport, 42);
  return b;
}

function nflog(opts: {
  group: number;
  prefix?: string;
  payload: Buffer;
  le?: boolean;
  family?: number;
}): Buffer {
  const le = opts.le ?? true;
  const head = Buffer.from([opts.family ?? 2, 0, 0, 0]);
  head.writeUInt16BE(opts.group, 2);
  const parts = [head, tlv(1, Buffer.from([8, 0, 1, 0]), le)];
  if (opts.prefix !== undefined) parts.push(tlv(10, Buffer.from(opts.prefix + '\0'), le));
  parts.push(tlv(9, opts.payload, le));
  return Buffer.concat(parts);
}

function pcap(records: Buffer[], le = true): Buffer {
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) =>
    le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o);
  w32(h, 0xa1b2c3d4, 0);
  w32(h, 0x40000, 16);
  w32(h, LINKTYPE_NFLOG, 20);
  const recs = records.map((r) => {
    const rh = Buffer.alloc(16);
    w32(rh, 1700000000, 0);
    w32(rh, 500000, 4);
    w32(rh, r.length, 8);
    w32(rh, r.length, 12);
    return Buffer.concat([rh, r]);
  });
  return Buffer.concat([h, ...recs]);
}

describe('PcapStreamReader + decodeNflog', () => {
  it('decodes a real tcpdump NFLOG capture', () => {
    const reader = new PcapStreamReader();
    const recs = reader.push(Buffer.from(REAL_CAPTURE, 'hex'));
    expect(reader.linktype).toBe(LINKTYPE_NFLOG);
    expect(recs).toHaveLength(1);
    expect(decodeNflog(recs[0]!.data, reader.littleEndian)).toEqual({
      group: 5,
      prefix: 'pal-drop tw test',
      family: 4,
      protocol: 'TCP',
      src: '127.0.0.1',
      dst: '127.0.0.1',
      srcPort: 35834,
      dstPort: 81,
    });
  });

  it.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('reassembles records split across chunks (%s)', (_n, le) => {
    const stream = pcap(
      [
        nflog({
          group: 1,
          prefix: 'pal tw x',
          payload: ipv4Packet(17, [10, 65, 1, 7], [10, 65, 2, 11], 5353, 53),
          le,
        }),
        nflog({
          group: 1,
          prefix: 'pal fw y',
          payload: ipv4Packet(6, [10, 0, 0, 1], [10, 0, 0, 2], 1000, 80),
          le,
        }),
      ],
      le,
    );
    const reader = new PcapStreamReader();
    const recs = [];
    for (let i = 0; i < stream.length; i += 7) recs.push(...reader.push(stream.subarray(i, i + 7)));
    expect(recs).toHaveLength(2);
    expect(recs[0]!.timeMs).toBe(1700000000500);
    const pkts = recs.map((r) => decodeNflog(r.data, reader.littleEndian));
    expect(
      pkts.map((p) => [p?.prefix, p?.protocol, p?.src, p?.srcPort, p?.dst, p?.dstPort]),
    ).toEqual([
      ['pal tw x', 'UDP', '10.65.1.7', 5353, '10.65.2.11', 53],
      ['pal fw y', 'TCP', '10.0.0.1', 1000, '10.0.0.2', 80],
    ]);
  });

  it('rejects a stream that is not pcap', () => {
    expect(() => new PcapStreamReader().push(Buffer.alloc(24, 1))).toThrow(/bad magic/);
  });

  it('returns null without a payload TLV', () => {
    const head = Buffer.from([2, 0, 0, 1]);
    expect(decodeNflog(Buffer.concat([head, tlv(10, Buffer.from('x\0'), true)]), true)).toBeNull();
  });
});

describe('decodeIp', () => {
  const v6 = (s: string) => Buffer.from(s.replace(/:/g, ''), 'hex');
  it.each([
    [
      'IPv6 TCP with zero run',
      ipv6Packet(
        6,
        v6('fd00:0000:0000:0000:0000:0000:0000:0001'),
        v6('fd00:0001:0000:0000:0001:0000:0000:0002'),
        4000,
        443,
      ),
      {
        family: 6,
        protocol: 'TCP',
        src: 'fd00::1',
        dst: 'fd00:1::1:0:0:2',
        srcPort: 4000,
        dstPort: 443,
      },
    ],
    [
      'ICMP has no ports',
      ipv4Packet(1, [1, 2, 3, 4], [5, 6, 7, 8], 0, 0),
      { family: 4, protocol: 'ICMP', src: '1.2.3.4', dst: '5.6.7.8', srcPort: null, dstPort: null },
    ],
    [
      'unknown protocol',
      ipv4Packet(99, [1, 2, 3, 4], [5, 6, 7, 8], 0, 0),
      {
        family: 4,
        protocol: 'proto-99',
        src: '1.2.3.4',
        dst: '5.6.7.8',
        srcPort: null,
        dstPort: null,
      },
    ],
  ])('%s', (_n, pkt, expected) => {
    expect(decodeIp(pkt)).toEqual(expected);
  });

  it('returns null for a truncated packet', () => {
    expect(decodeIp(Buffer.from([0x45, 0]))).toBeNull();
  });
});
