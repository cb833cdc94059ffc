import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrContains, formatCidr, maskCidr, parseCidr } from './ip.js';

describe('ip', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:ffff:1.2.3.4', '::ffff:102:304'],
    ['fe80:0000:0000:0000:0000:0000:0000:0001', 'fe80::1'],
  ])('canonical %s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', ' 1.2.3.4'])(
    'rejects %j',
    (input) => {
      expect(canonicalIp(input)).toBeNull();
    },
  );

  it.each([
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['10.1.2.3/0', '0.0.0.0/0'],
    ['10.1.2.3/32', '10.1.2.3/32'],
    ['10.1.2.255/25', '10.1.2.128/25'],
    ['2001:db8:ffff::1/33', '2001:db8:8000::/33'],
    ['ffff::1/1', '8000::/1'],
  ])('masks %s → %s', (input, expected) => {
    expect(formatCidr(maskCidr(parseCidr(input)!))).toBe(expected);
  });

  it.each(['10.0.0.0', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '::/129', 'x/8'])('rejects CIDR %j', (input) => {
    expect(parseCidr(input)).toBeNull();
  });

  it.each([
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.0.0.0/8', '11.0.0.0/16', false],
    ['10.0.0.0/16', '10.0.0.0/8', false],
    ['fd00::/8', 'fd12::/16', true],
    ['10.0.0.0/8', 'fd00::/16', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(cidrContains(parseCidr(outer)!, parseCidr(inner)!)).toBe(expected);
  });
});
