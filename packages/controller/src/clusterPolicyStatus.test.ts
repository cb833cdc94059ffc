import { describe, expect, it } from 'vitest';
import { acceptedCondition, conditionTime, sameCondition, withCondition } from './clusterPolicyStatus.js';
import { cnpEgress, cnpSet, makeClusterNetworkPolicy } from './testing/builders.js';
import { translateClusterNetworkPolicy, type KCondition } from './translate/index.js';

const policy = (...t: Parameters<typeof makeClusterNetworkPolicy>[1][]) => translateClusterNetworkPolicy(makeClusterNetworkPolicy('p', ...t));

describe('acceptedCondition', () => {
  it.each([
    ['accepted', policy(), 'True', 'Accepted', /^Translated/],
    ['invalid: names the field', policy(cnpSet('priority', 5000)), 'False', 'Invalid', /^spec\.priority: 5000 is not an integer from 0 to 1000\. The policy cannot be translated/],
    ['fail closed: one line per field', policy(cnpEgress({ action: 'Accept', to: [{ domainNames: ['a.io'] }, { nodes: {} }] })), 'False', 'FailClosed', /^spec\.egress\[0\]\.to\[0\]\.domainNames: not supported; the rule matches no traffic\nspec\.egress\[0\]\.to\[1\]\.nodes: not supported; the rule matches no traffic$/],
  ])('%s', (_d, p, status, reason, message) => {
    const c = acceptedCondition(p, 3);
    expect(c).toMatchObject({ type: 'Accepted', status, reason, observedGeneration: 3 });
    expect(c.message).toMatch(message);
  });

  it('leaves observedGeneration out when the object has none', () => {
    expect(acceptedCondition(policy(), undefined)).not.toHaveProperty('observedGeneration');
  });
});

describe('conditions list', () => {
  const other: KCondition = { type: 'Programmed', status: 'True', reason: 'Other', message: 'another implementation', lastTransitionTime: '2026-01-01T00:00:00Z' };
  const accepted = acceptedCondition(policy(), 1);
  const T0 = '2026-01-02T00:00:00Z';
  const T1 = '2026-01-03T00:00:00Z';

  it('adds ours after the others', () => {
    expect(withCondition([other], accepted, T0)).toEqual([other, { ...accepted, lastTransitionTime: T0 }]);
    expect(withCondition(undefined, accepted, T0)).toEqual([{ ...accepted, lastTransitionTime: T0 }]);
  });

  it('replaces ours in place; the transition time moves only when the status flips', () => {
    const first = withCondition([other], accepted, T0);
    const sameStatus = withCondition(first, { ...accepted, observedGeneration: 2 }, T1);
    expect(sameStatus[1]).toEqual({ ...accepted, observedGeneration: 2, lastTransitionTime: T0 });
    const flipped = withCondition(first, acceptedCondition(policy(cnpSet('tier', 'x')), 2), T1);
    expect(flipped[0]).toBe(other);
    expect(flipped[1]).toMatchObject({ status: 'False', reason: 'Invalid', lastTransitionTime: T1 });
  });

  it.each<[string, Partial<KCondition>, boolean]>([
    ['identical', {}, true],
    ['another message', { message: 'x' }, false],
    ['another reason', { reason: 'X' }, false],
    ['another status', { status: 'False' }, false],
    ['an older generation', { observedGeneration: 0 }, false],
    ['another time only', { lastTransitionTime: T1 }, true],
  ])('sameCondition: %s → %s', (_d, change, same) => {
    expect(sameCondition({ ...accepted, lastTransitionTime: T0, ...change }, accepted)).toBe(same);
  });

  it('formats metav1.Time without fractions', () => {
    expect(conditionTime(new Date('2026-12-02T19:30:01.123Z'))).toBe('2026-12-02T19:30:01Z');
  });
});
