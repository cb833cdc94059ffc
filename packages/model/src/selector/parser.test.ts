import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../errors.js';
import { canonicalSelector, parseSelector } from './index.js';
import type { SelectorExpr } from './index.js';

describe('parseSelector', () => {
  it.each<[string, SelectorExpr]>([
    ['all()', { op: 'all' }],
    ['  all ( )  ', { op: 'all' }],
    ["app == 'web'", { op: 'eq', key: 'app', value: 'web' }],
    ['app=="web"', { op: 'eq', key: 'app', value: 'web' }],
    ["app != 'web'", { op: 'ne', key: 'app', value: 'web' }],
    ["app in {'b', 'a'}", { op: 'in', key: 'app', values: ['a', 'b'] }],
    ["app not in {'b','a'}", { op: 'notin', key: 'app', values: ['a', 'b'] }],
    ['app in {}', { op: 'in', key: 'app', values: [] }],
    ["app in {'a'}", { op: 'eq', key: 'app', value: 'a' }],
    ["app not in {'a', 'a'}", { op: 'ne', key: 'app', value: 'a' }],
    ['has(app)', { op: 'has', key: 'app' }],
    ['!has(app)', { op: 'nothas', key: 'app' }],
    ['! has ( app )', { op: 'nothas', key: 'app' }],
    ["example.com/app == 'x'", { op: 'eq', key: 'example.com/app', value: 'x' }],
    [
      "ns:kubernetes.io/metadata.name == 'kube-system'",
      { op: 'eq', key: 'ns:kubernetes.io/metadata.name', value: 'kube-system' },
    ],
    ["pal:namespace == 'default'", { op: 'eq', key: 'pal:namespace', value: 'default' }],
    ["a_b.c-d == 'v.1-2_3'", { op: 'eq', key: 'a_b.c-d', value: 'v.1-2_3' }],
    ["x == 'it\\'s'", { op: 'eq', key: 'x', value: "it's" }],
    ['x == "say \\"hi\\" \\\\"', { op: 'eq', key: 'x', value: 'say "hi" \\' }],
    ["x == ''", { op: 'eq', key: 'x', value: '' }],
    ["x == 'ünï && || ()'", { op: 'eq', key: 'x', value: 'ünï && || ()' }],
    // Words that are keywords elsewhere are ordinary keys in key position.
    ["has == 'x'", { op: 'eq', key: 'has', value: 'x' }],
    ["all != 'x'", { op: 'ne', key: 'all', value: 'x' }],
    ["in in {'x', 'y'}", { op: 'in', key: 'in', values: ['x', 'y'] }],
    ["not not in {'x', 'y'}", { op: 'notin', key: 'not', values: ['x', 'y'] }],
    [
      "b == '2' && a == '1'",
      {
        op: 'and',
        terms: [
          { op: 'eq', key: 'a', value: '1' },
          { op: 'eq', key: 'b', value: '2' },
        ],
      },
    ],
    [
      "a == '1' || b == '2' && c == '3'",
      {
        op: 'or',
        terms: [
          { op: 'eq', key: 'a', value: '1' },
          {
            op: 'and',
            terms: [
              { op: 'eq', key: 'b', value: '2' },
              { op: 'eq', key: 'c', value: '3' },
            ],
          },
        ],
      },
    ],
    ["((a == '1'))", { op: 'eq', key: 'a', value: '1' }],
    ["a == '1' && all()", { op: 'eq', key: 'a', value: '1' }],
    ["a == '1' || all()", { op: 'all' }],
  ])('%s', (text, expected) => {
    expect(parseSelector(text)).toEqual(expected);
  });

  it.each<[string, number, string]>([
    ['', 1, "expected a label key, 'has(', '!has(', 'all()' or '(', found end of selector"],
    ['   ', 4, 'found end of selector'],
    ['app', 4, "expected '==', '!=', 'in' or 'not in' after the label key, found end of selector"],
    ['app ==', 7, "expected a quoted string after '==', found end of selector"],
    ['app == web', 8, "expected a quoted string after '==', found 'web'"],
    ["app = 'web'", 5, "expected '==', found a single '='"],
    ["a == 'x' & b == 'y'", 10, "expected '&&', found a single '&'"],
    ["a == 'x' | b == 'y'", 10, "expected '||', found a single '|'"],
    ["a == 'x' b == 'y'", 10, "expected '&&', '||' or end of selector, found 'b'"],
    ["(a == 'x'", 10, "expected '&&', '||' or ')', found end of selector"],
    ["a == 'x')", 9, "expected '&&', '||' or end of selector, found ')'"],
    ["a == 'x", 6, "unterminated string: expected a closing '"],
    ['a == "x\\"', 6, 'unterminated string: expected a closing "'],
    ["a in 'x'", 6, 'expected \'{\' to start a set of values, found string "x"'],
    ["a in {'x' 'y'}", 11, "expected ',' or '}' in the set, found string \"y\""],
    ["a in {'x',}", 11, "expected a quoted string in the set, found '}'"],
    ["a not {'x'}", 7, "expected 'in', found '{'"],
    ['has(a', 6, "expected ')' after the label key in has(), found end of selector"],
    ["has('a')", 5, 'expected a label key inside has(), found string "a"'],
    ['!app', 2, "expected 'has', found 'app'"],
    ['all(x)', 5, "expected ')' (all() takes no arguments), found 'x'"],
    [
      "a == 'x' && ",
      13,
      "expected a label key, 'has(', '!has(', 'all()' or '(', found end of selector",
    ],
    ["a@b == 'x'", 2, 'found unexpected character "@"'],
    ["&& a == 'x'", 1, "expected a label key, 'has(', '!has(', 'all()' or '(', found '&&'"],
  ])('rejects %j at column %i', (text, column, problem) => {
    let caught: unknown;
    try {
      parseSelector(text);
    } catch (err) {
      caught = err;
    }
    expect(isPalisadeError(caught, 'INVALID_INPUT')).toBe(true);
    const err = caught as Error & { fields: Record<string, unknown> };
    expect(err.message).toContain(`at column ${column}:`);
    expect(err.message).toContain(problem);
    expect(err.fields).toEqual({ selector: text, position: column });
  });

  it('rejects nesting deeper than the limit instead of overflowing the stack', () => {
    const deep = `${'('.repeat(200)}a == 'x'${')'.repeat(200)}`;
    expect(() => parseSelector(deep)).toThrow(/at most 64 levels/);
    const ok = `${'('.repeat(60)}a == 'x'${')'.repeat(60)}`;
    expect(canonicalSelector(ok)).toBe("a == 'x'");
  });
});
