/**
 * judgeFlow with cluster-policy tiers: each case is a connection the rendered chains
 * (renderEndpointChain's tier blocks) decide the same way.
 */
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_SCOPE,
  type DirectionSpec,
  type PolicyUpdate,
  type RuleSpec,
} from '../../messages.js';
import {
  allow,
  deny,
  makeEndpoint,
  makePolicy,
  peerSet,
  sel,
  tcp,
} from '../../testing/dataplaneBuilders.js';
import type { Flow } from './conntrackEntries.js';
import { judgeFlow, type PolicyView } from './flowJudge.js';

const A = '10.0.0.2'; // local, client
const B = '10.0.0.3'; // local, server

const pass = (): RuleSpec => ({ action: 'Pass', peers: null, ports: null });
const cnp = (
  name: string,
  inbound: RuleSpec[] | null,
  outbound: RuleSpec[] | null = null,
): PolicyUpdate => makePolicy(name, { namespace: CLUSTER_SCOPE, inbound, outbound });
const refs = (...names: string[]) => names.map((name) => ({ namespace: CLUSTER_SCOPE, name }));
const np = (...names: string[]) => names.map((name) => ({ namespace: 'default', name }));

function judge(
  ingress: DirectionSpec,
  policies: PolicyUpdate[],
  opts: { egress?: DirectionSpec; dport?: number; fromA?: boolean } = {},
): string {
  const endpoints = [
    makeEndpoint('a', [A], opts.egress ? { egress: opts.egress } : {}),
    makeEndpoint('b', [B], { ingress }),
  ];
  const view: PolicyView = {
    endpointsWithIp: (ip) => endpoints.filter((e) => e.ips.includes(ip)),
    policy: (ref) =>
      policies.find((p) => p.policy.namespace === ref.namespace && p.policy.name === ref.name),
    inSet: (set, _family, member) =>
      set.identity === 'app==a' && member === A && opts.fromA !== false,
  };
  const flow: Flow = { family: 4, protocol: 'tcp', src: A, dst: B, dport: opts.dport ?? 80 };
  return judgeFlow(view, flow);
}

const open = (extra: Partial<DirectionSpec>): DirectionSpec => ({
  isolated: false,
  policies: [],
  ...extra,
});
const isolated = (extra: Partial<DirectionSpec>, ...names: string[]): DirectionSpec => ({
  isolated: true,
  policies: np(...names),
  ...extra,
});
const npAllow = makePolicy('allow-all', { inbound: [allow()] });

describe('judgeFlow across tiers', () => {
  it('Admin Deny beats a NetworkPolicy that allows', () => {
    expect(judge(isolated({ admin: refs('d') }, 'allow-all'), [cnp('d', [deny()]), npAllow])).toBe(
      'deny',
    );
  });

  it('Admin Accept beats NetworkPolicy isolation', () => {
    expect(judge(isolated({ admin: refs('a') }), [cnp('a', [allow()])])).toBe('allow');
  });

  it('Admin rules in order: the first match decides', () => {
    const p = cnp('x', [allow([peerSet(sel('app==a'))], [tcp(80)]), deny()]);
    expect(judge(open({ admin: refs('x') }), [p])).toBe('allow');
    expect(judge(open({ admin: refs('x') }), [p], { dport: 81 })).toBe('deny');
  });

  it('Admin policies by priority: the earlier one decides', () => {
    const ps = [cnp('first', [deny()]), cnp('second', [allow()])];
    expect(judge(open({ admin: refs('first', 'second') }), ps)).toBe('deny');
    expect(judge(open({ admin: refs('second', 'first') }), ps)).toBe('allow');
  });

  it('Pass skips the rest of the Admin tier; the NetworkPolicy tier decides', () => {
    const ps = [cnp('p', [pass()]), cnp('d', [deny()]), npAllow];
    expect(judge(isolated({ admin: refs('p', 'd') }, 'allow-all'), ps)).toBe('allow');
    expect(judge(isolated({ admin: refs('p', 'd') }), ps)).toBe('deny');
  });

  it('Pass falls through to Baseline when no NetworkPolicy isolates', () => {
    const ps = [cnp('p', [pass()]), cnp('d', [deny()]), cnp('bd', [deny()])];
    expect(judge(open({ admin: refs('p', 'd'), baseline: refs('bd') }), ps)).toBe('deny');
    expect(judge(open({ admin: refs('p', 'd') }), ps)).toBe('allow');
  });

  it('Baseline applies only where no NetworkPolicy isolates', () => {
    const ps = [cnp('bd', [deny()]), npAllow];
    expect(judge(open({ baseline: refs('bd') }), ps)).toBe('deny');
    expect(judge(isolated({ baseline: refs('bd') }, 'allow-all'), ps)).toBe('allow');
    const bAllow = [cnp('ba', [allow()])];
    expect(judge(isolated({ baseline: refs('ba') }), bAllow)).toBe('deny');
  });

  it('no rule matches in any tier: the default allows', () => {
    const ps = [
      cnp('a', [deny([peerSet(sel('app==z'))])]),
      cnp('b', [deny([peerSet(sel('app==z'))])]),
    ];
    expect(judge(open({ admin: refs('a'), baseline: refs('b') }), ps)).toBe('allow');
  });

  it("an egress Accept at the source still meets the destination's ingress Deny", () => {
    const ps = [cnp('eg', null, [allow()]), cnp('in', [deny()])];
    const egress = open({ admin: refs('eg') });
    expect(judge(open({ admin: refs('in') }), ps, { egress })).toBe('deny');
    expect(judge(open({}), ps, { egress })).toBe('allow');
  });

  it('a cluster policy not sent yet, or without this direction, matches nothing', () => {
    expect(
      judge(open({ admin: refs('missing'), baseline: refs('egress-only') }), [
        cnp('egress-only', null, [deny()]),
      ]),
    ).toBe('allow');
  });
});
