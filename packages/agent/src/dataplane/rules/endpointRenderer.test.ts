import { describe, expect, it } from 'vitest';
import {
  clusterPolicyInboundChain,
  clusterPolicyOutboundChain,
  fromWorkloadChain,
  policyInboundChain,
  policyOutboundChain,
  toWorkloadChain,
} from '@palisade/model';
import { isolatedBy } from '../../testing/dataplaneBuilders.js';
import { renderEndpointChain, renderForwardChain } from './endpointRenderer.js';
import { formatNflogPrefix, parseNflogPrefix } from './marks.js';

const TW_A = toWorkloadChain('default', 'a');
const FW_A = fromWorkloadChain('default', 'a');

describe('renderForwardChain', () => {
  it('accepts established first, dispatches, accepts only marked traffic', () => {
    expect(renderForwardChain()).toEqual([
      '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-j MARK --set-xmark 0x0/0x30000',
      '-j pal-from-wl-dispatch',
      '-j pal-to-wl-dispatch',
      '-m mark --mark 0x10000/0x10000 -j ACCEPT',
    ]);
  });
});

describe('renderEndpointChain', () => {
  it.each([
    {
      name: 'not isolated: mark accept',
      direction: 'ingress' as const,
      spec: { isolated: false, policies: [] },
      want: ['-m conntrack --ctstate INVALID -j DROP', '-j MARK --set-xmark 0x10000/0x30000'],
    },
    {
      name: 'isolated, no policy: log and drop',
      direction: 'ingress' as const,
      spec: isolatedBy(),
      want: [
        '-m conntrack --ctstate INVALID -j DROP',
        `-m conntrack --ctstate NEW -m limit --limit 10/sec --limit-burst 20 -j NFLOG --nflog-group 5 --nflog-prefix "pal|D|i|${TW_A.slice(7)}"`,
        '-j DROP',
      ],
    },
    {
      name: 'egress through two policies in order',
      direction: 'egress' as const,
      spec: isolatedBy('p1', 'p2'),
      want: [
        '-m conntrack --ctstate INVALID -j DROP',
        '-j MARK --set-xmark 0x0/0x30000',
        `-j ${policyOutboundChain('default', 'p1')}`,
        '-m mark --mark 0x10000/0x10000 -j RETURN',
        '-j MARK --set-xmark 0x0/0x30000',
        `-j ${policyOutboundChain('default', 'p2')}`,
        '-m mark --mark 0x10000/0x10000 -j RETURN',
        `-m conntrack --ctstate NEW -m limit --limit 10/sec --limit-burst 20 -j NFLOG --nflog-group 5 --nflog-prefix "pal|D|e|${FW_A.slice(7)}"`,
        '-j DROP',
      ],
    },
  ])('$name', ({ direction, spec, want }) => {
    const chain = direction === 'ingress' ? TW_A : FW_A;
    expect(renderEndpointChain({ direction, chain, spec, nflogGroup: 5 })).toEqual(want);
  });

  it('ingress jumps to the inbound policy chain', () => {
    const rules = renderEndpointChain({
      direction: 'ingress',
      chain: TW_A,
      spec: isolatedBy('p1'),
      nflogGroup: 1,
    });
    expect(rules).toContain(`-j ${policyInboundChain('default', 'p1')}`);
  });

  it.each([{ isolated: false, policies: [] }, isolatedBy('p1')])(
    'noPickup (--revoke-connections) drops mid-stream TCP pickups right after INVALID: %j',
    (spec) => {
      const rules = renderEndpointChain({
        direction: 'egress',
        chain: FW_A,
        spec,
        nflogGroup: 1,
        noPickup: true,
      });
      expect(rules.slice(0, 2)).toEqual([
        '-m conntrack --ctstate INVALID -j DROP',
        '-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j DROP',
      ]);
      expect(rules.slice(2)).toEqual(
        renderEndpointChain({ direction: 'egress', chain: FW_A, spec, nflogGroup: 1 }).slice(1),
      );
    },
  );
});

describe('nflog prefix', () => {
  it('round-trips and stays short', () => {
    const p = formatNflogPrefix('ingress', TW_A);
    expect(p.length).toBeLessThanOrEqual(63);
    expect(parseNflogPrefix(p)).toEqual({ verdict: 'D', direction: 'ingress', chain: TW_A });
    expect(parseNflogPrefix(formatNflogPrefix('egress', FW_A) + '\0')).toEqual({
      verdict: 'D',
      direction: 'egress',
      chain: FW_A,
    });
    expect(parseNflogPrefix('something else')).toBeNull();
  });
});

describe('renderEndpointChain with cluster policy tiers', () => {
  const A1 = clusterPolicyInboundChain('a1');
  const A2 = clusterPolicyInboundChain('a2');
  const B1 = clusterPolicyInboundChain('b1');
  const CLEAR = '-j MARK --set-xmark 0x0/0x30000';
  const END_OF_TIER = '-j MARK --set-xmark 0x0/0x20000';
  const RET = '-m mark --mark 0x10000/0x10000 -j RETURN';
  const jump = (c: string): string => `-m mark --mark 0x0/0x20000 -j ${c}`;
  const cref = (name: string) => ({ namespace: '', name });
  const drop = (dir: 'i' | 'e', chain: string): string[] => [
    `-m conntrack --ctstate NEW -m limit --limit 10/sec --limit-burst 20 -j NFLOG --nflog-group 5 --nflog-prefix "pal|D|${dir}|${chain.slice(7)}"`,
    '-j DROP',
  ];

  it.each([
    {
      name: 'Admin only, not isolated: Admin block, then the default allow',
      spec: { isolated: false, policies: [], admin: [cref('a1'), cref('a2')] },
      want: [
        '-m conntrack --ctstate INVALID -j DROP',
        CLEAR,
        jump(A1),
        RET,
        jump(A2),
        RET,
        END_OF_TIER,
        '-j MARK --set-xmark 0x10000/0x30000',
      ],
    },
    {
      name: 'Admin, NetworkPolicy isolation (Baseline unreachable, not rendered)',
      spec: { ...isolatedBy('p1'), admin: [cref('a1')], baseline: [cref('b1')] },
      want: [
        '-m conntrack --ctstate INVALID -j DROP',
        CLEAR,
        jump(A1),
        RET,
        END_OF_TIER,
        CLEAR,
        `-j ${policyInboundChain('default', 'p1')}`,
        RET,
        ...drop('i', TW_A),
      ],
    },
    {
      name: 'Admin, no NetworkPolicy, Baseline, default allow',
      spec: { isolated: false, policies: [], admin: [cref('a1')], baseline: [cref('b1')] },
      want: [
        '-m conntrack --ctstate INVALID -j DROP',
        CLEAR,
        jump(A1),
        RET,
        END_OF_TIER,
        CLEAR,
        jump(B1),
        RET,
        END_OF_TIER,
        '-j MARK --set-xmark 0x10000/0x30000',
      ],
    },
  ])('$name', ({ spec, want }) => {
    expect(renderEndpointChain({ direction: 'ingress', chain: TW_A, spec, nflogGroup: 5 })).toEqual(
      want,
    );
  });

  it.each([
    {
      name: 'not isolated',
      spec: { isolated: false, policies: [] },
      want: ['-m conntrack --ctstate INVALID -j DROP', '-j MARK --set-xmark 0x10000/0x30000'],
    },
    {
      name: 'isolated',
      spec: isolatedBy('p1'),
      want: [
        '-m conntrack --ctstate INVALID -j DROP',
        CLEAR,
        `-j ${policyInboundChain('default', 'p1')}`,
        RET,
        ...drop('i', TW_A),
      ],
    },
  ])(
    'an endpoint that no cluster policy selects keeps the plain chain ($name): no tier rule',
    ({ spec, want }) => {
      const rules = renderEndpointChain({ direction: 'ingress', chain: TW_A, spec, nflogGroup: 5 });
      expect(rules).toEqual(want);
      expect(rules.filter((r) => r.includes('0x0/0x20000') || /pal-c[io]-/.test(r))).toEqual([]);
    },
  );

  it('egress uses the pal-co- chains', () => {
    const rules = renderEndpointChain({
      direction: 'egress',
      chain: FW_A,
      spec: { isolated: false, policies: [], baseline: [cref('b1')] },
      nflogGroup: 5,
    });
    expect(rules).toContain(jump(clusterPolicyOutboundChain('b1')));
    expect(clusterPolicyOutboundChain('b1')).toMatch(/^pal-co-[a-z2-7]{21}$/);
  });
});
