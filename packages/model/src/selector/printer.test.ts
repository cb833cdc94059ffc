import { catchPalisadeError } from '../testing/index.js';
import { describe, expect, it } from 'vitest';
import { canonicalSelector, normalizeSelector, printSelector } from './index.js';

describe('canonical printing', () => {
  it.each<[string, string]>([
    ['all()', 'all()'],
    ["app=='web'", "app == 'web'"],
    ['app == "web"', "app == 'web'"],
    ['x == "it\'s"', "x == 'it\\'s'"],
    ['x == "back\\\\slash"', "x == 'back\\\\slash'"],
    ["b == '1' && a == '1'", "a == '1' && b == '1'"],
    ["a == '1' && a == '1'", "a == '1'"],
    ["a == '1' && (b == '2' && (c == '3'))", "a == '1' && b == '2' && c == '3'"],
    ["a == '1' || (b == '2' || c == '3')", "a == '1' || b == '2' || c == '3'"],
    ["c == '3' || a == '1' && b == '2'", "(a == '1' && b == '2') || c == '3'"],
    ["(c == '3' || a == '1') && b == '2'", "(a == '1' || c == '3') && b == '2'"],
    ["a == 'x' && all()", "a == 'x'"],
    ['all() && all()', 'all()'],
    ["a == 'x' || all()", 'all()'],
    ["app in {'z', 'a', 'm', 'a'}", "app in {'a', 'm', 'z'}"],
    ["app in {'only'}", "app == 'only'"],
    ["app not in {'only'}", "app != 'only'"],
    ['app in {}', 'app in {}'],
    ['app not in { }', 'app not in {}'],
    ['  has( app )&&!has(x)', '!has(x) && has(app)'],
    [
      "ns:team == 'a' && pal:namespace == 'default' && app == 'web'",
      "app == 'web' && ns:team == 'a' && pal:namespace == 'default'",
    ],
  ])('%s → %s', (text, canonical) => {
    expect(canonicalSelector(text)).toBe(canonical);
    expect(canonicalSelector(canonical)).toBe(canonical);
  });

  it('treats spellings of one selector as equal', () => {
    const spellings = [
      "tier in {'b', 'a'} && app == 'web'",
      "app == \"web\" && tier in {'a','b','a'}",
      "(app == 'web') && (tier in {'b', 'a'} && all())",
    ];
    expect(new Set(spellings.map(canonicalSelector)).size).toBe(1);
  });

  it('prints expressions built by hand, normalizing them first', () => {
    expect(printSelector({ op: 'and', terms: [] })).toBe('all()');
    expect(
      printSelector({
        op: 'and',
        terms: [
          { op: 'has', key: 'b' },
          { op: 'and', terms: [{ op: 'has', key: 'a' }] },
        ],
      }),
    ).toBe('has(a) && has(b)');
  });

  it.each([
    [{ op: 'has' as const, key: 'bad key' }],
    [{ op: 'eq' as const, key: '', value: 'x' }],
    [{ op: 'in' as const, key: 'a\nb', values: ['x'] }],
    [{ op: 'or' as const, terms: [] }],
  ])('rejects an expression with no selector syntax: %j', (expr) => {
    catchPalisadeError(() => normalizeSelector(expr), 'INVALID_INPUT');
  });
});
