import { describe, expect, it } from 'vitest';
import { printSelector } from '@palisade/model';
import { parseLabelSelectorArg } from './labelSelector.js';

describe('parseLabelSelectorArg', () => {
  it.each([
    ["app == 'web'", "app == 'web'"],
    ["app == 'web' && has(tier)", "app == 'web' && has(tier)"],
    ['app=web', "app == 'web'"],
    ['app==web,tier!=db', "app == 'web' && tier != 'db'"],
    ['env in (prod, staging),!legacy', "!has(legacy) && env in {'prod', 'staging'}"],
    ['env notin (dev)', "env != 'dev'"],
    ['tier', 'has(tier)'],
    ['ns:team=blue', "ns:team == 'blue'"],
    ['app=', "app == ''"],
  ])('%s', (text, canonical) => {
    expect(printSelector(parseLabelSelectorArg(text))).toBe(canonical);
  });

  it.each(['a=b,,c', '=x', "app == 'web", 'a in (b'])('rejects %s naming both syntaxes', (text) => {
    expect(() => parseLabelSelectorArg(text)).toThrow(/not a Palisade selector .* nor a kubectl one/);
  });
});
