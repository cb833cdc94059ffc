import { describe, expect, it } from 'vitest';
import { memberFamily, normalizeIp, normalizeMember, resolveNetConflicts } from './members.js';

describe('normalizeIp (matches ipset save output)', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['fd00:0:0::1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['FD00:0000::A', 'fd00::a'],
    ['::', '::'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
    ['nonsense', null],
    ['300.1.1.1', null],
    ['1::2::3', null],
  ])('%s → %s', (input, want) => {
    expect(normalizeIp(input)).toBe(want);
  });
});

describe('normalizeMember', () => {
  it.each([
    { kind: 's' as const, m: 'fd00:0::5', want: ['fd00::5'] },
    { kind: 'n' as const, m: '10.0.0.1,TCP:080', want: ['10.0.0.1,tcp:80'] },
    { kind: 'n' as const, m: 'fd00::1,udp:53', want: ['fd00::1,udp:53'] },
    { kind: 'c' as const, m: '10.1.2.3/16 nomatch', want: ['10.1.0.0/16 nomatch'] },
    { kind: 'c' as const, m: '10.0.0.1/32', want: ['10.0.0.1'] },
    { kind: 'c' as const, m: '0.0.0.0/0', want: ['0.0.0.0/1', '128.0.0.0/1'] },
    { kind: 'c' as const, m: '::/0', want: ['::/1', '8000::/1'] },
    { kind: 'c' as const, m: 'fd00:0:0:1::/64 nomatch', want: ['fd00:0:0:1::/64 nomatch'] },
    { kind: 'c' as const, m: '10.0.0.0/33', want: [] },
  ])('$kind $m', ({ kind, m, want }) => {
    expect(normalizeMember(kind, m)).toEqual(want);
  });

  it('family of a named-port member comes from its IP part', () => {
    expect(memberFamily('n', 'fd00::1,tcp:80')).toBe(6);
    expect(memberFamily('n', '10.0.0.1,tcp:80')).toBe(4);
    expect(memberFamily('c', '10.0.0.0/8 nomatch')).toBe(4);
  });

  it('a network both in the set and nomatch keeps only nomatch (fails closed)', () => {
    const members = new Set(['0.0.0.0/1', '128.0.0.0/1', '0.0.0.0/1 nomatch']);
    expect([...resolveNetConflicts(members)]).toEqual(['128.0.0.0/1', '0.0.0.0/1 nomatch']);
  });
});
