import { describe, expect, it } from 'vitest';
import { CIDR_PATTERN } from './cidrPattern.js';

const re = new RegExp(CIDR_PATTERN);

describe('CIDR_PATTERN', () => {
  it.each([
    '10.0.0.0/8',
    '0.0.0.0/0',
    '192.168.1.7/32',
    '10.0.0.1/8',
    '255.255.255.255/32',
    '::/0',
    'fd00::/8',
    '2001:db8::1/128',
    '2001:0db8:0000:0000:0000:0000:0000:0001/64',
    '::ffff:10.0.0.1/128',
    '1::/16',
    '1:2:3:4:5:6:7::/112',
    '::2:3:4:5:6:7:8/112',
    'FD00::/8',
  ])('accepts %s', (cidr) => expect(re.test(cidr)).toBe(true));

  it.each([
    '10.0.0.0',
    '10.0.0.0/33',
    '10.0.0.0/08',
    '010.0.0.0/8',
    '256.0.0.0/8',
    '10.0.0/8',
    '1.2.3.4.5/8',
    'fd00::/129',
    'fd00::1::/64',
    '1:2:3:4:5:6:7:8:9/64',
    'fe80::1%eth0/64',
    'fd00::/',
    ' 10.0.0.0/8',
    'abc',
    '',
  ])('rejects %s', (cidr) => expect(re.test(cidr)).toBe(false));
});
