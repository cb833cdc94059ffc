import { describe, expect, it } from 'vitest';
import { CHAINS, dispatchChain, fromWorkloadChain, toWorkloadChain } from '@palisade/model';
import type { EndpointUpdate } from '../../messages.js';
import { makeEndpoint } from '../../testing/dataplaneBuilders.js';
import { renderDispatchTree, renderSharedIpLeaf } from './dispatchTree.js';

const tw = (name: string): string => toWorkloadChain('default', name);
const fw = (name: string): string => fromWorkloadChain('default', name);
const dt = (cidr: string): string => dispatchChain('to', cidr);
const df = (cidr: string): string => dispatchChain('from', cidr);
const DROP_UNLESS_ACCEPTED = '-m mark ! --mark 0x10000/0x10000 -j DROP';

/** Pods p2..p<n+1> on 10.0.0.2, 10.0.0.3, … (one /24 and beyond). */
function densePods(n: number): EndpointUpdate[] {
  return Array.from({ length: n }, (_, i) =>
    makeEndpoint(`p${i + 2}`, [`10.0.${(i + 2) >> 8}.${(i + 2) & 255}`]),
  );
}

function chainsChanged(a: Map<string, string[]>, b: Map<string, string[]>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => JSON.stringify(a.get(n)) !== JSON.stringify(b.get(n))).sort();
}

describe('renderDispatchTree', () => {
  it('no local endpoint: an empty root', () => {
    expect([...renderDispatchTree('ingress', [], 4)]).toEqual([[CHAINS.toWorkloadDispatch, []]]);
  });

  it('one endpoint: one goto in the root', () => {
    const eps = [makeEndpoint('a', ['10.0.0.1', 'fd00::1'])];
    expect([...renderDispatchTree('egress', eps, 4)]).toEqual([
      [CHAINS.fromWorkloadDispatch, [`-s 10.0.0.1/32 -g ${fw('a')}`]],
    ]);
    expect([...renderDispatchTree('ingress', eps, 6)]).toEqual([
      [CHAINS.toWorkloadDispatch, [`-d fd00::1/128 -g ${tw('a')}`]],
    ]);
  });

  it('splits by 4-bit prefixes under the common prefix, sorted by address', () => {
    const eps = [
      makeEndpoint('c', ['10.0.0.17']),
      makeEndpoint('a', ['10.0.0.1']),
      makeEndpoint('b', ['10.0.0.2']),
      makeEndpoint('d', ['10.0.0.200']),
    ];
    expect([...renderDispatchTree('ingress', eps, 4)]).toEqual([
      [
        CHAINS.toWorkloadDispatch,
        [
          `-d 10.0.0.0/28 -g ${dt('10.0.0.0/28')}`,
          `-d 10.0.0.17/32 -g ${tw('c')}`,
          `-d 10.0.0.200/32 -g ${tw('d')}`,
        ],
      ],
      [dt('10.0.0.0/28'), [`-d 10.0.0.1/32 -g ${tw('a')}`, `-d 10.0.0.2/32 -g ${tw('b')}`]],
    ]);
  });

  it('compresses levels that do not branch (IPv6)', () => {
    const eps = [
      makeEndpoint('a', ['fd00::1:1']),
      makeEndpoint('b', ['fd00::1:2']),
      makeEndpoint('c', ['fd00::2:1']),
    ];
    expect([...renderDispatchTree('egress', eps, 6)]).toEqual([
      [
        CHAINS.fromWorkloadDispatch,
        [`-s fd00::1:0/124 -g ${df('fd00::1:0/124')}`, `-s fd00::2:1/128 -g ${fw('c')}`],
      ],
      [df('fd00::1:0/124'), [`-s fd00::1:1/128 -g ${fw('a')}`, `-s fd00::1:2/128 -g ${fw('b')}`]],
    ]);
  });

  it('an IP held by several endpoints goes to a leaf that calls each of them', () => {
    const eps = [
      makeEndpoint('open', ['10.0.0.5']),
      makeEndpoint('isolated', ['10.0.0.5']),
      makeEndpoint('other', ['10.0.0.6']),
    ];
    const [first, second] = [tw('open'), tw('isolated')].sort();
    const tree = renderDispatchTree('ingress', eps, 4);
    expect(tree.get(CHAINS.toWorkloadDispatch)).toEqual([
      `-d 10.0.0.5/32 -g ${dt('10.0.0.5/32')}`,
      `-d 10.0.0.6/32 -g ${tw('other')}`,
    ]);
    expect(tree.get(dt('10.0.0.5/32'))).toEqual([
      `-j ${first}`,
      DROP_UNLESS_ACCEPTED,
      `-j ${second}`,
      DROP_UNLESS_ACCEPTED,
    ]);
    // The same leaf whatever the order of the endpoints.
    expect(renderDispatchTree('ingress', [...eps].reverse(), 4)).toEqual(tree);
  });

  it('renderSharedIpLeaf: every chain must set the accept mark', () => {
    expect(renderSharedIpLeaf(['pal-fw-a', 'pal-fw-b'])).toEqual([
      '-j pal-fw-a',
      DROP_UNLESS_ACCEPTED,
      '-j pal-fw-b',
      DROP_UNLESS_ACCEPTED,
    ]);
  });

  it('250 pods on a /24: at most 16 rules per chain, two levels, names within 28 chars', () => {
    const tree = renderDispatchTree('ingress', densePods(250), 4);
    expect(tree.size).toBe(17);
    for (const [name, rules] of tree) {
      expect(name.length).toBeLessThanOrEqual(28);
      expect(rules.length).toBeLessThanOrEqual(16);
    }
    // The last pod: 16 checks in the root, then at most 16 in its /28.
    const root = tree.get(CHAINS.toWorkloadDispatch)!;
    expect(root.at(-1)).toBe(`-d 10.0.0.240/28 -g ${dt('10.0.0.240/28')}`);
    expect(tree.get(dt('10.0.0.240/28'))!.at(-1)).toBe(`-d 10.0.0.251/32 -g ${tw('p251')}`);
  });

  it.each([
    ['a pod in a full /28', 250, makeEndpoint('new', ['10.0.0.1'])],
    ['a pod in a new /28 of a new /24', 250, makeEndpoint('new', ['10.0.1.200'])],
    ['a pod among 1000', 1000, makeEndpoint('new', ['10.0.3.240'])],
  ])('adding %s rewrites O(log n) chains', (_name, n, added) => {
    const pods = densePods(n);
    const before = renderDispatchTree('egress', pods, 4);
    const after = renderDispatchTree('egress', [...pods, added], 4);
    const changed = chainsChanged(before, after);
    // One chain per level on the path (root, /28) plus at most one new node.
    expect(changed.length).toBeLessThanOrEqual(Math.ceil(Math.log(n) / Math.log(16)) + 1);
    expect(chainsChanged(after, renderDispatchTree('egress', pods, 4))).toEqual(changed);
  });
});

describe('renderDispatchTree with one address spelt two ways', () => {
  it('makes one shared leaf (not two leaves with equal bits)', () => {
    const eps = [
      makeEndpoint('a', ['fd00::5']),
      makeEndpoint('b', ['FD00:0:0::5']),
      makeEndpoint('c', ['fd00::7']),
    ];
    const tree = renderDispatchTree('ingress', eps, 6);
    expect(tree.get(CHAINS.toWorkloadDispatch)).toEqual([
      `-d fd00::5/128 -g ${dt('fd00::5/128')}`,
      `-d fd00::7/128 -g ${tw('c')}`,
    ]);
    const [first, second] = [tw('a'), tw('b')].sort();
    expect(tree.get(dt('fd00::5/128'))).toEqual([
      `-j ${first}`,
      DROP_UNLESS_ACCEPTED,
      `-j ${second}`,
      DROP_UNLESS_ACCEPTED,
    ]);
  });
});
