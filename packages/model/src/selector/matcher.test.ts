import { describe, expect, it } from 'vitest';
import type { Labels } from '../schema/common.js';
import { matchSelector, parseSelector, selectorKeys, selectorLabels } from './index.js';

const web: Labels = { app: 'web', 'example.com/tier': 'front.end-1_a', empty: '' };

describe('matchSelector', () => {
  it.each<[string, Labels, boolean]>([
    ['all()', {}, true],
    ['all()', web, true],
    ["app == 'web'", web, true],
    ["app == 'db'", web, false],
    ["app == 'web'", {}, false],
    ["empty == ''", web, true],
    ["empty == ''", {}, false],
    ["app != 'db'", web, true],
    ["app != 'web'", web, false],
    ["app != 'web'", {}, true], // absent matches (Kubernetes NotIn semantics)
    ["app in {'db', 'web'}", web, true],
    ["app in {'db', 'cache'}", web, false],
    ["app in {'web'}", {}, false],
    ['app in {}', web, false],
    ["app not in {'db', 'cache'}", web, true],
    ["app not in {'db', 'web'}", web, false],
    ["app not in {'db', 'web'}", {}, true], // absent matches
    ['app not in {}', web, true],
    ['has(app)', web, true],
    ['has(empty)', web, true],
    ['has(app)', {}, false],
    ['!has(app)', web, false],
    ['!has(app)', {}, true],
    ["example.com/tier == 'front.end-1_a'", web, true],
    ["app == 'web' && has(empty)", web, true],
    ["app == 'web' && has(missing)", web, false],
    ["app == 'db' || has(empty)", web, true],
    ["app == 'db' || has(missing)", web, false],
    ["(app == 'db' || app == 'web') && !has(missing)", web, true],
    // Own properties only: a label named like an Object.prototype member.
    ['has(constructor)', {}, false],
    ['!has(toString)', {}, true],
    ["constructor == 'x'", { constructor: 'x' }, true],
  ])('%s on %j → %s', (text, labels, expected) => {
    expect(matchSelector(parseSelector(text), labels)).toBe(expected);
  });

  it('evaluates trees that were not normalized', () => {
    expect(matchSelector({ op: 'or', terms: [] }, {})).toBe(false);
    expect(matchSelector({ op: 'and', terms: [] }, {})).toBe(true);
    expect(matchSelector({ op: 'in', key: 'a', values: ['x', 'y'] }, { a: 'y' })).toBe(true);
  });
});

describe('selectorLabels', () => {
  it('merges pod labels, namespace labels under ns: and the namespace name', () => {
    expect(
      selectorLabels({ app: 'web' }, 'prod', { team: 'a', 'kubernetes.io/metadata.name': 'prod' }),
    ).toEqual({
      app: 'web',
      'ns:team': 'a',
      'ns:kubernetes.io/metadata.name': 'prod',
      'pal:namespace': 'prod',
    });
  });

  it.each<[string, boolean]>([
    ["pal:namespace == 'prod'", true],
    ["pal:namespace == 'dev'", false],
    ["ns:team == 'a' && app == 'web'", true],
    ["team == 'a'", false], // namespace labels are not pod labels
    ["ns:app == 'web'", false], // and pod labels are not namespace labels
  ])('%s', (text, expected) => {
    const labels = selectorLabels({ app: 'web' }, 'prod', { team: 'a' });
    expect(matchSelector(parseSelector(text), labels)).toBe(expected);
  });

  it('keeps a __proto__ label as an own label', () => {
    const labels = selectorLabels({ ['__proto__']: 'x' }, 'prod', {});
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toContain('__proto__');
  });
});

describe('selectorKeys', () => {
  it('lists every key read, sorted and unique', () => {
    expect(
      selectorKeys(parseSelector("b == 'x' && (has(a) || b in {'y', 'z'}) && !has(c)")),
    ).toEqual(['a', 'b', 'c']);
    expect(selectorKeys(parseSelector('all()'))).toEqual([]);
  });
});
