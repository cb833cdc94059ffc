import { describe, expect, it } from 'vitest';
import { parseSelector } from '@palisade/model';
import { selectorHint } from './selectorHints.js';

const p = (k: string, v: string | null): [string, string | null] => [k, v];

describe('selectorHint', () => {
  it.each([
    ["app == 'web'", [p('app', 'web')]],
    ["app in {'a', 'b'}", [p('app', 'a'), p('app', 'b')]],
    ["app == 'web' && pal:namespace == 'ns'", [p('pal:namespace', 'ns')]],
    ["tier in {'a', 'b'} && app == 'web'", [p('app', 'web')]],
    ["app == 'web' || app == 'db'", [p('app', 'db'), p('app', 'web')]],
    ["app == 'web' || has(x)", [p('app', 'web'), p('x', null)]],
    ["app == 'web' || !has(x)", null],
    ["app != 'web'", null],
    ["app not in {'a', 'b'}", null],
    ['has(app)', [p('app', null)]],
    ['has(ns:team)', [p('ns:team', null)]],
    ["has(app) && tier in {'a', 'b', 'c'}", [p('tier', 'a'), p('tier', 'b'), p('tier', 'c')]],
    ['has(app) && has(tier)', [p('app', null)]],
    ['!has(app)', null],
    ['all()', null],
    ["!has(x) && ns:team == 't'", [p('ns:team', 't')]],
  ])('%s', (text, expected) => {
    expect(
      selectorHint(parseSelector(text))
        ?.map(([k, v]) => [k, v])
        .sort() ?? null,
    ).toEqual(expected);
  });
});
