import { describe, expect, it } from 'vitest';
import { canonicalIpText } from './ip.js';

describe('canonicalIpText', () => {
  it.each([
    ['10.0.0.5', '10.0.0.5'],
    ['fd00::5', 'fd00::5'],
    ['FD00:0:0::5', 'fd00::5'],
    ['fd00:0000:0000:0000:0000:0000:0000:0005', 'fd00::5'],
    ['::ffff:10.0.0.5', '::ffff:10.0.0.5'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s → %s', (input, want) => {
    expect(canonicalIpText(input)).toBe(want);
  });
});
