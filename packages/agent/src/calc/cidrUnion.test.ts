import { describe, expect, it } from 'vitest';
import { ipToBigInt } from '@palisade/model';
import { cidrUnion } from './cidrUnion.js';

const b = (cidr: string, ...except: string[]) => ({ cidr, except });

describe('cidrUnion', () => {
  it.each([
    { name: 'one plain block', blocks: [b('10.0.0.0/8')], want: ['10.0.0.0/8'] },
    { name: 'host bits are cleared', blocks: [b('10.1.2.3/8')], want: ['10.0.0.0/8'] },
    { name: 'a bare address is a /32', blocks: [b('10.1.2.3')], want: ['10.1.2.3/32'] },
    {
      name: '/0 minus its lower half is the upper half only (issue 10 item 1)',
      blocks: [b('0.0.0.0/0', '0.0.0.0/1')],
      want: ['128.0.0.0/1'],
    },
    { name: '::/0 minus ::/1', blocks: [b('::/0', '::/1')], want: ['8000::/1'] },
    {
      name: 'a whole family is two /1 halves',
      blocks: [b('0.0.0.0/0')],
      want: ['0.0.0.0/1', '128.0.0.0/1'],
    },
    { name: 'a fully excepted block is empty', blocks: [b('10.0.0.0/8', '0.0.0.0/0')], want: [] },
    {
      name: "another block re-admits what one block's except removed",
      blocks: [b('10.0.0.0/8', '10.1.0.0/16'), b('10.0.0.0/12')],
      want: ['10.0.0.0/8'],
    },
    {
      name: 'adjacent blocks merge into one CIDR',
      blocks: [b('10.0.0.0/25'), b('10.0.0.128/25')],
      want: ['10.0.0.0/24'],
    },
    {
      name: 'except in the middle',
      blocks: [b('10.0.0.0/30', '10.0.0.1/32')],
      want: ['10.0.0.0/32', '10.0.0.2/31'],
    },
    {
      name: 'families stay apart, v4 first',
      blocks: [b('fd00::/64', 'fd00::/65'), b('192.168.0.0/16')],
      want: ['192.168.0.0/16', 'fd00::8000:0:0:0/65'],
    },
    { name: 'invalid input is ignored (admits nothing)', blocks: [b('nonsense/8')], want: [] },
  ])('$name', ({ blocks, want }) => {
    expect(cidrUnion(blocks)).toEqual(want);
  });

  it('3,000 /32 blocks stay 3,000 members or fewer', () => {
    const blocks = Array.from({ length: 3000 }, (_, i) =>
      b(`10.${(i >> 8) & 255}.${i & 255}.7/32`),
    );
    const out = cidrUnion(blocks);
    expect(out).toHaveLength(3000);
    expect(new Set(out).size).toBe(3000);
  });

  // An oracle over a small universe: each address of 10.0.0.0/26 must be in the result
  // exactly when some block's cidr holds it and none of that block's excepts do, and
  // no address may be covered twice (disjoint CIDRs are what hash:net holds).
  it('matches NetworkPolicy semantics address by address (random blocks)', () => {
    const contains = (cidr: string, ip: number): boolean => {
      const [addr = '', len = '32'] = cidr.split('/');
      const start = Number(ipToBigInt(addr));
      const size = 2 ** (32 - Number(len));
      const base = start - (start % size);
      return ip >= base && ip < base + size;
    };
    const BASE = 0x0a000000;
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const randCidr = (): string =>
      `10.0.0.${Math.floor(rand() * 64)}/${26 + Math.floor(rand() * 7)}`;
    for (let round = 0; round < 300; round++) {
      const blocks = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
        b(randCidr(), ...Array.from({ length: Math.floor(rand() * 3) }, randCidr)),
      );
      const got = cidrUnion(blocks);
      for (let ip = BASE; ip < BASE + 64; ip++) {
        const want = blocks.some(
          (x) => contains(x.cidr, ip) && !x.except.some((e) => contains(e, ip)),
        );
        const covering = got.filter((m) => contains(m, ip)).length;
        expect(covering, `${JSON.stringify(blocks)} @ .${ip - BASE}`).toBe(want ? 1 : 0);
      }
    }
  });
});
