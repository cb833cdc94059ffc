import { describe, expect, it } from 'vitest';
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
    { name: 'a whole family is two /1 halves', blocks: [b('0.0.0.0/0')], want: ['0.0.0.0/1', '128.0.0.0/1'] },
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
    const blocks = Array.from({ length: 3000 }, (_, i) => b(`10.${(i >> 8) & 255}.${i & 255}.7/32`));
    const out = cidrUnion(blocks);
    expect(out).toHaveLength(3000);
    expect(new Set(out).size).toBe(3000);
  });
});
