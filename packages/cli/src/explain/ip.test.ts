import { describe, expect, it } from 'vitest';
import { cidrContains, parseIp, sameIp } from './ip.js';

describe('ip', () => {
  it.each([
    ['10.0.0.0/8', '10.255.1.1', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.1.2.3/32', '10.1.2.3', true],
    ['0.0.0.0/0', '1.2.3.4', true],
    ['fd00::/64', 'fd00::1', true],
    ['fd00::/64', 'fd00:0:0:1::1', false],
    ['::/0', '2001:db8::1', true],
    ['10.0.0.0/8', 'fd00::1', false],
    ['::ffff:0:0/96', '::ffff:10.1.2.3', true],
  ])('cidrContains(%s, %s) = %s', (cidr, addr, want) => {
    expect(cidrContains(cidr, addr)).toBe(want);
  });

  it('compares IPs by value', () => {
    expect(sameIp('fd00::1', 'FD00:0:0:0:0:0:0:1')).toBe(true);
    expect(sameIp('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(parseIp('nope')).toBeNull();
    expect(parseIp('1.2.3.4')).toEqual({ family: 4, value: 0x01020304n });
  });
});
