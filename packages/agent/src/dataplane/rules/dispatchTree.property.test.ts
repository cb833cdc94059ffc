/**
 * The dispatch tree against a direct walk: for any set of local endpoints, every local
 * IP reaches exactly the endpoint chains of the endpoints that hold it (all of them, in a
 * shared-IP leaf), and an address no local endpoint holds reaches none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHAINS,
  bigIntToIp,
  canonicalIpText,
  fromWorkloadChain,
  ipToBigInt,
  toWorkloadChain,
  type IpFamily,
} from '@palisade/model';
import type { Direction, EndpointUpdate } from '../../messages.js';
import { makeEndpoint } from '../../testing/dataplaneBuilders.js';
import { renderDispatchTree } from './dispatchTree.js';

const RULE = /^-[ds] (\S+)\/(\d+) -g (\S+)$/;
const CALL = /^-j (\S+)$/;

function inCidr(bits: bigint, cidr: string, len: number, width: number): boolean {
  const host = BigInt(width - len);
  return bits >> host === ipToBigInt(cidr)! >> host;
}

/** The endpoint chains a packet to (ingress) or from (egress) `ip` passes through. */
function walk(tree: Map<string, string[]>, root: string, ip: string, width: number): string[] {
  const bits = ipToBigInt(ip)!;
  let chain = root;
  for (let depth = 0; depth < 64; depth++) {
    const rules = tree.get(chain)!;
    const calls = rules.flatMap((r) => CALL.exec(r)?.[1] ?? []);
    if (calls.length > 0) return calls; // a shared-IP leaf
    const hit = rules.find((r) => {
      const m = RULE.exec(r)!;
      return inCidr(bits, m[1]!, Number(m[2]), width);
    });
    if (!hit) return [];
    const target = RULE.exec(hit)![3]!;
    if (!tree.has(target)) return [target];
    chain = target;
  }
  throw new Error('dispatch tree deeper than 64 levels');
}

/** One address spelt in several ways, so that equal IPs are not always equal strings. */
function spell(bits: bigint, family: IpFamily, variant: number): string {
  const text = bigIntToIp(bits, family);
  if (family === 4 || variant === 0) return text;
  const groups = Array.from({ length: 8 }, (_, i) => (bits >> BigInt((7 - i) * 16)) & 0xffffn);
  const full = groups.map((g) => g.toString(16)).join(':');
  return variant === 1 ? full : full.toUpperCase();
}

function addressArb(family: IpFamily): fc.Arbitrary<bigint> {
  // Clustered: a few prefixes, dense low bits, so that the tree branches at every level.
  const base = family === 4 ? 0x0a000000n : 0xfd000000000000000000000000000000n;
  return fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 600 }))
    .map(([hi, lo]) => base + (BigInt(hi) << (family === 4 ? 20n : 100n)) + BigInt(lo));
}

const scenario = (family: IpFamily) =>
  fc.record({
    direction: fc.constantFrom<Direction>('ingress', 'egress'),
    endpoints: fc.array(
      fc.array(fc.tuple(addressArb(family), fc.integer({ min: 0, max: 2 })), {
        minLength: 1,
        maxLength: 3,
      }),
      { minLength: 0, maxLength: 60 },
    ),
    strangers: fc.array(addressArb(family), { maxLength: 20 }),
  });

describe.each([4, 6] as const)('renderDispatchTree (IPv%i, property)', (family) => {
  const width = family === 4 ? 32 : 128;
  it('every local IP reaches exactly its endpoint chains; other IPs reach none', () => {
    fc.assert(
      fc.property(scenario(family), ({ direction, endpoints, strangers }) => {
        const eps: EndpointUpdate[] = endpoints.map((ips, i) =>
          makeEndpoint(
            `p${i}`,
            ips.map(([bits, v]) => spell(bits, family, v)),
          ),
        );
        const chainOf = direction === 'ingress' ? toWorkloadChain : fromWorkloadChain;
        const want = new Map<string, Set<string>>();
        eps.forEach((ep, i) => {
          for (const ip of ep.ips) {
            const key = canonicalIpText(ip);
            want.set(key, (want.get(key) ?? new Set()).add(chainOf('default', `p${i}`)));
          }
        });
        const tree = renderDispatchTree(direction, eps, family);
        const root =
          direction === 'ingress' ? CHAINS.toWorkloadDispatch : CHAINS.fromWorkloadDispatch;
        for (const [ip, chains] of want) {
          expect(walk(tree, root, ip, width).sort()).toEqual([...chains].sort());
        }
        for (const bits of strangers) {
          const ip = bigIntToIp(bits, family);
          if (!want.has(ip)) expect(walk(tree, root, ip, width)).toEqual([]);
        }
        for (const rules of tree.values()) {
          if (!rules.some((r) => CALL.test(r))) expect(rules.length).toBeLessThanOrEqual(16);
        }
      }),
      { numRuns: 200 },
    );
  });
});
