import { describe, expect, it } from 'vitest';
import type { Labels } from '../schema/common.js';
import {
  evaluateSelector,
  matchSelector,
  parseSelector,
  policySubject,
  selectorLabels,
  type SelectorTruth,
} from './index.js';

const inNs = (ns: string, labels: Labels = {}, nsLabels: Labels = {}): Labels =>
  selectorLabels(labels, ns, nsLabels);

describe('policySubject', () => {
  it.each<[string, string, string, Labels, boolean]>([
    ['a selector naming another namespace', 'other', "pal:namespace == 'adv'", inNs('adv'), false],
    ['the same, for its own namespace', 'adv', "pal:namespace == 'adv'", inNs('adv'), true],
    ['all()', 'other', 'all()', inNs('adv', { app: 'x' }), false],
    ['all() in its namespace', 'other', 'all()', inNs('other', { app: 'x' }), true],
    [
      'an or that escapes',
      'other',
      "app == 'x' || has(pal:namespace)",
      inNs('adv', { app: 'x' }),
      false,
    ],
    [
      'a namespace-label selector',
      'other',
      "ns:team == 'a'",
      inNs('adv', {}, { team: 'a' }),
      false,
    ],
  ])('%s', (_name, ns, selector, labels, expected) => {
    const subject = policySubject(ns, selector);
    expect(subject.error).toBeUndefined();
    expect(matchSelector(subject.expr, labels)).toBe(expected);
    expect(matchSelector(parseSelector(subject.text), labels)).toBe(expected);
  });

  it('keeps the text of a selector that is already confined', () => {
    const text = "(app == 'web') && (pal:namespace == 'prod')";
    expect(policySubject('prod', text).text).toBe(policySubject('prod', text).text);
    expect(policySubject('prod', "pal:namespace == 'prod' && app == 'web'").text).toBe(
      policySubject('prod', "app == 'web'").text,
    );
  });

  it('an unparsable selector selects the whole namespace and says why', () => {
    const subject = policySubject('prod', 'app ==');
    expect(subject.error).toBeTruthy();
    expect(subject.text).toBe("pal:namespace == 'prod'");
    expect(matchSelector(subject.expr, inNs('prod', { app: 'anything' }))).toBe(true);
    expect(matchSelector(subject.expr, inNs('dev'))).toBe(false);
  });
});

describe('evaluateSelector (namespace labels unknown)', () => {
  const unknownNs = (k: string): boolean => k.startsWith('ns:');
  it.each<[string, SelectorTruth]>([
    ["ns:env == 'prod'", 'unknown'],
    ["ns:env != 'prod'", 'unknown'],
    ["ns:env not in {'prod'}", 'unknown'],
    ['!has(ns:env)', 'unknown'],
    ["app == 'web' && ns:env != 'prod'", 'unknown'],
    ["app == 'db' && ns:env != 'prod'", false],
    ["app == 'web' || ns:env != 'prod'", true],
    ["app == 'db' || ns:env != 'prod'", 'unknown'],
    ["app == 'web'", true],
    ["pal:namespace == 'x'", true],
    ['all()', true],
  ])('%s → %s', (text, expected) => {
    const labels = inNs('x', { app: 'web' });
    expect(evaluateSelector(parseSelector(text), labels, unknownNs)).toBe(expected);
  });

  it('agrees with matchSelector when nothing is unknown', () => {
    const labels = inNs('x', { app: 'web' }, { env: 'dev' });
    for (const text of ["ns:env != 'prod'", "app == 'db' || ns:env == 'dev'", '!has(ns:env)'])
      expect(evaluateSelector(parseSelector(text), labels, () => false)).toBe(
        matchSelector(parseSelector(text), labels),
      );
  });
});

describe('selectorLabels', () => {
  it('drops reserved keys a pod label map carries', () => {
    const labels = selectorLabels(
      { 'pal:namespace': 'adv', 'ns:team': 'a', app: 'x' },
      'other',
      {},
    );
    expect(labels).toEqual({ app: 'x', 'pal:namespace': 'other' });
  });
});
