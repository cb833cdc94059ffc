import { describe, expect, it } from 'vitest';
import { ClusterPolicySchema, type ClusterPolicy, type ClusterRule } from './schema/clusterPolicy.js';
import { companionName, containClusterPolicy } from './clusterPolicyContainment.js';

function makeCnp(
  name: string,
  selector: string,
  ingress: Partial<ClusterRule>[],
  tweak: (spec: Record<string, unknown>) => void = () => {},
): ClusterPolicy {
  const spec: Record<string, unknown> = {
    tier: 'Admin',
    priority: 5,
    selector,
    ingress: ingress.map((r, i) => ({ name: `r${i}`, action: 'Deny', ...r })),
  };
  tweak(spec);
  return ClusterPolicySchema.parse({
    apiVersion: 'palisade.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name },
    spec,
  });
}

const U = new Set(['dark']);
const NS_PEER = "ns:team == 'a'";
const POSSIBLY_PEER = "ns:team == 'a' || pal:namespace == 'dark'";

describe('containClusterPolicy (unknown namespace labels)', () => {
  it('changes nothing while every namespace is readable, or when no selector reads namespace labels', () => {
    const cp = makeCnp('c', "ns:env == 'prod'", [
      { action: 'Pass', peers: [{ selector: NS_PEER }] },
    ]);
    const same = { companion: null, origins: { policy: { ingress: [0], egress: [] }, companion: null } };
    expect(containClusterPolicy(cp, new Set())).toEqual({ policy: cp, ...same });
    const plain = makeCnp('c', "app == 'web'", [{ peers: [{ selector: "role == 'x'" }] }]);
    expect(containClusterPolicy(plain, U)).toEqual({ policy: plain, ...same });
  });

  it('names the stored rule each enforced rule comes from (what explain reports)', () => {
    const cp = makeCnp('c', "ns:env == 'prod'", [
      { action: 'Accept', peers: [{ selector: NS_PEER }] },
      { action: 'Pass', peers: [{ selector: NS_PEER }] },
      { action: 'Deny', peers: [{ selector: NS_PEER }] },
    ]);
    const out = containClusterPolicy(cp, U);
    // Accept as written; Pass followed by its Deny copy; Deny widened.
    expect(out.policy.spec.ingress.map((r) => r.action)).toEqual(['Accept', 'Pass', 'Deny', 'Deny']);
    expect(out.origins.policy).toEqual({ ingress: [0, 1, 1, 2], egress: [] });
    // The companion holds the Deny-like rules only.
    expect(out.companion?.spec.ingress.map((r) => r.action)).toEqual(['Deny', 'Deny']);
    expect(out.origins.companion).toEqual({ ingress: [1, 2], egress: [] });
  });

  it.each<[string, Partial<ClusterRule>, Partial<ClusterRule>[]]>([
    // An Accept peer matches only on true: as written (the label index's definite match).
    [
      'Accept',
      { action: 'Accept', peers: [{ selector: NS_PEER }] },
      [{ action: 'Accept', peers: [{ selector: NS_PEER }] }],
    ],
    // A Deny peer matches on unknown too.
    [
      'Deny',
      { action: 'Deny', peers: [{ selector: NS_PEER }] },
      [{ action: 'Deny', peers: [{ selector: POSSIBLY_PEER }] }],
    ],
    // A Pass passes on true and denies on unknown, so it never skips a later Admin Deny.
    [
      'Pass',
      { action: 'Pass', peers: [{ selector: NS_PEER }, { cidr: '10.9.0.0/16', except: [] }] },
      [
        { action: 'Pass', peers: [{ selector: NS_PEER }, { cidr: '10.9.0.0/16', except: [] }] },
        {
          action: 'Deny',
          peers: [{ selector: POSSIBLY_PEER }, { cidr: '10.9.0.0/16', except: [] }],
        },
      ],
    ],
  ])('a %s peer in an unreadable namespace', (_action, rule, want) => {
    const { policy, companion } = containClusterPolicy(makeCnp('c', "app == 'web'", [rule]), U);
    expect(policy.spec.selector).toBe("app == 'web'");
    expect(policy.spec.ingress).toMatchObject(want);
    expect(companion).toBeNull();
  });

  it('keeps ports on the Deny copy of a Pass rule', () => {
    const ports = [{ protocol: 'TCP' as const, port: 80 }];
    const { policy } = containClusterPolicy(
      makeCnp('c', 'all()', [{ action: 'Pass', peers: [{ selector: NS_PEER }], ports }]),
      U,
    );
    expect(policy.spec.ingress.map((r) => [r.action, r.ports])).toEqual([
      ['Pass', ports],
      ['Deny', ports],
    ]);
  });

  it('a subject that reads namespace labels: Accept needs a definite subject, Deny and Pass deny on unknown', () => {
    const cp = makeCnp('c', "app == 'web' && ns:env == 'prod'", [
      { action: 'Accept', peers: [{ selector: "role == 'mon'" }] },
      { action: 'Pass', peers: [{ selector: "role == 'x'" }] },
      { action: 'Deny' },
    ]);
    const { policy, companion } = containClusterPolicy(cp, new Set(['dark', 'b']));
    expect(policy).toEqual(cp);
    expect(companion).toMatchObject({
      metadata: { name: companionName('c') },
      spec: {
        tier: 'Admin',
        priority: 5,
        // Only endpoints of the unreadable namespaces that the subject may select.
        selector: "app == 'web' && pal:namespace in {'b', 'dark'}",
        ingress: [
          { name: 'r1', action: 'Deny', peers: [{ selector: "role == 'x'" }] },
          { name: 'r2', action: 'Deny', peers: [] },
        ],
        egress: [],
      },
    });
  });

  it('needs no companion when the policy has only Accept rules', () => {
    const cp = makeCnp('c', "ns:env == 'prod'", [{ action: 'Accept' }]);
    expect(containClusterPolicy(cp, U).companion).toBeNull();
  });

  it('a policy with an error denies whatever it may select', () => {
    const cp = makeCnp('c', "ns:env == 'prod'", [{ action: 'Accept' }], (s) => {
      s.error = { field: 'spec.ingress[0]', message: 'x' };
    });
    const { policy, companion } = containClusterPolicy(cp, U);
    expect(policy.spec.selector).toBe("ns:env == 'prod' || pal:namespace == 'dark'");
    expect(companion).toBeNull();
  });

  it('the companion sorts right after its policy and before any other Kubernetes name', () => {
    const names = ['c-a', 'c.b', 'c0', 'c', 'ca', companionName('c')].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    expect(names.indexOf(companionName('c'))).toBe(names.indexOf('c') + 1);
  });
});
