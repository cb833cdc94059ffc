import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromWorkloadChain,
  ipsetName,
  isPalisadeChain,
  isPalisadeIpset,
  MAX_CHAIN_NAME,
  MAX_IPSET_NAME,
  policyInboundChain,
  policyOutboundChain,
  stableHash,
  tempIpsetName,
  toWorkloadChain,
} from './names.js';

const long = 'x'.repeat(253);

describe('names', () => {
  // Pinned: these names live in the kernel across restarts and upgrades, so a change of
  // hashing must be deliberate (and must handle the old names).
  it.each<[string, () => string, string]>([
    ['stableHash of ""', () => stableHash('', 10), '4oymiquy7q'],
    [
      'to-workload chain',
      () => toWorkloadChain('default', 'web-1'),
      'pal-tw-szqd2tp53ufayvcqqaa7w',
    ],
    [
      'from-workload chain',
      () => fromWorkloadChain('default', 'web-1'),
      'pal-fw-szqd2tp53ufayvcqqaa7w',
    ],
    [
      'policy inbound chain',
      () => policyInboundChain('prod', 'allow-web'),
      'pal-pi-ieykrvbtnt2ziymaxzlxf',
    ],
    [
      'policy outbound chain',
      () => policyOutboundChain('prod', 'allow-web'),
      'pal-po-ieykrvbtnt2ziymaxzlxf',
    ],
    [
      'selector ipset v4',
      () => ipsetName('s', "app == 'web'", 4),
      'pal4s-nnerr6unk4hec6jqnmtp4ep2x',
    ],
    [
      'selector ipset v6',
      () => ipsetName('s', "app == 'web'", 6),
      'pal6s-nnerr6unk4hec6jqnmtp4ep2x',
    ],
    ['named-port ipset', () => ipsetName('n', 'x', 4), 'pal4n-ugich6dlt43kc6u7xf32ps3s4'],
    ['CIDR ipset', () => ipsetName('c', '10.0.0.0/8', 4), 'pal4c-zjkp2gfyqeht3r5c3plxiwpys'],
    ['temp ipset', () => tempIpsetName(4), 'pal4t-tmp'],
  ])('%s is pinned', (_name, make, expected) => {
    expect(make()).toBe(expected);
  });

  it.each<[string, string]>([
    ['to-workload', toWorkloadChain(long, long)],
    ['from-workload', fromWorkloadChain(long, long)],
    ['policy inbound', policyInboundChain(long, long)],
    ['policy outbound', policyOutboundChain(long, long)],
    ['short input', toWorkloadChain('a', 'b')],
  ])('%s chain fits %#', (_name, chain) => {
    expect(chain.length).toBeLessThanOrEqual(MAX_CHAIN_NAME);
    expect(isPalisadeChain(chain)).toBe(true);
  });

  it.each<['s' | 'n' | 'c', 4 | 6]>([
    ['s', 4],
    ['s', 6],
    ['n', 4],
    ['n', 6],
    ['c', 4],
    ['c', 6],
  ])('ipset %s/v%i fits for very long identities', (kind, family) => {
    const name = ipsetName(kind, `${long}${long}${long}`, family);
    expect(name.length).toBeLessThanOrEqual(MAX_IPSET_NAME);
    expect(isPalisadeIpset(name)).toBe(true);
  });

  it('ipsets of different kinds or families never share a name', () => {
    const names = (['s', 'n', 'c'] as const).flatMap((k) => [
      ipsetName(k, 'same', 4),
      ipsetName(k, 'same', 6),
    ]);
    expect(new Set(names).size).toBe(6);
  });

  it.each([
    ['pal-FORWARD', true],
    ['pal-tw-abc', true],
    ['KUBE-SERVICES', false],
    ['cali-fw-x', false],
  ])('isPalisadeChain(%s) = %s', (name, expected) => {
    expect(isPalisadeChain(name)).toBe(expected);
  });

  it.each([
    ['pal4s-abc', true],
    ['pal6c-abc', true],
    ['pal4t-tmp', true],
    ['pal5s-abc', false],
    ['KUBE-x', false],
    ['palx', false],
  ])('isPalisadeIpset(%s) = %s', (name, expected) => {
    expect(isPalisadeIpset(name)).toBe(expected);
  });

  const ident = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,60}[a-z0-9])?$/);

  it('distinct endpoints and policies get distinct chains', () => {
    fc.assert(
      fc.property(ident, ident, ident, ident, (ns1, n1, ns2, n2) => {
        fc.pre(ns1 !== ns2 || n1 !== n2);
        expect(toWorkloadChain(ns1, n1)).not.toBe(toWorkloadChain(ns2, n2));
        expect(policyInboundChain(ns1, n1)).not.toBe(policyInboundChain(ns2, n2));
      }),
    );
  });

  it('distinct selectors get distinct ipsets, and names are stable', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(ipsetName('s', a, 4)).not.toBe(ipsetName('s', b, 4));
        expect(ipsetName('s', a, 4)).toBe(ipsetName('s', a, 4));
      }),
    );
  });

  it('hashes have the requested length and alphabet', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 51 }), (s, len) => {
        expect(stableHash(s, len)).toMatch(new RegExp(`^[a-z2-7]{${len}}$`));
      }),
    );
  });
});
