import { describe, expect, it } from 'vitest';
import { parseSizeFlags, type SizeFlagOptions } from './sizeFlags.js';

const opts: SizeFlagOptions = {
  defaults: { endpoints: 10_000, policies: 1_000, namespaces: 500 },
  min: { endpoints: 100, policies: 100 },
  otherFlags: ['cnps'],
};

describe('parseSizeFlags', () => {
  it.each<[string, string[], { endpoints: number; policies: number; namespaces: number }]>([
    ['no flags: the defaults', [], { endpoints: 10_000, policies: 1_000, namespaces: 500 }],
    [
      'all three',
      ['--endpoints', '100000', '--policies', '10000', '--namespaces', '5000'],
      { endpoints: 100_000, policies: 10_000, namespaces: 5_000 },
    ],
    ['--flag=N', ['--endpoints=200'], { endpoints: 200, policies: 1_000, namespaces: 500 }],
    [
      'grouped digits',
      ['--endpoints', '100_000'],
      { endpoints: 100_000, policies: 1_000, namespaces: 500 },
    ],
    [
      'at the minimum',
      ['--policies', '100'],
      { endpoints: 10_000, policies: 100, namespaces: 500 },
    ],
    [
      'another bench flag is left to the bench',
      ['--cnps', '50', '--namespaces', '7', '--cnps=3'],
      { endpoints: 10_000, policies: 1_000, namespaces: 7 },
    ],
  ])('%s', (_, argv, want) => {
    expect(parseSizeFlags(argv, opts)).toEqual(want);
  });

  it.each<[string, string[], RegExp]>([
    ['unknown flag', ['--endpoint', '5'], /unknown flag --endpoint/],
    ['missing value at the end', ['--endpoints'], /--endpoints needs a value/],
    [
      'missing value before a flag',
      ['--endpoints', '--policies', '200'],
      /--endpoints needs a value/,
    ],
    ['not a number', ['--policies', 'many'], /--policies must be an integer >= 100, got 'many'/],
    ['a fraction', ['--namespaces', '1.5'], /--namespaces must be an integer >= 1/],
    ['negative', ['--namespaces=-3'], /--namespaces must be an integer >= 1/],
    ['below the minimum', ['--endpoints', '99'], /--endpoints must be an integer >= 100, got '99'/],
    ['zero', ['--namespaces', '0'], /--namespaces must be an integer >= 1/],
    ['exponent', ['--endpoints', '1e5'], /--endpoints must be an integer/],
    ['twice', ['--endpoints', '200', '--endpoints', '300'], /--endpoints given twice/],
    ['positional', ['100000'], /unexpected argument '100000'/],
  ])('rejects %s with a usage line', (_, argv, message) => {
    expect(() => parseSizeFlags(argv, opts)).toThrow(message);
    expect(() => parseSizeFlags(argv, opts)).toThrow(
      /size flags: --endpoints N \(integer >= 100, default 10000\)/,
    );
  });
});
