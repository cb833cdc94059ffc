import { describe, expect, it } from 'vitest';
import { parseSelector, printSelector } from '@palisade/model';
import {
  LabelIndex,
  UNREADABLE,
  type IndexedEndpoint,
  type SelectorConsumer,
} from './labelIndex.js';
import type { ParsedSelector } from './selectorCache.js';
import { makeEndpoint } from './testing/builders.js';

const sel = (text: string): ParsedSelector => {
  const expr = parseSelector(text);
  return { text: printSelector(expr), expr };
};

/** Records events as `+sel name`, `-sel name`, `~sel name`. */
function recorder(): SelectorConsumer & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    matchStarted: (s, ep) => events.push(`+${s} ${ep.ref.name}`),
    matchUpdated: (s, _prev, cur: IndexedEndpoint) => events.push(`~${s} ${cur.ref.name}`),
    matchStopped: (s, ep) => events.push(`-${s} ${ep.ref.name}`),
  };
}

const ref = (name: string, namespace = 'ns') => ({ namespace, name });

describe('LabelIndex', () => {
  it('replays existing matches to a new consumer and reports transitions after', () => {
    const idx = new LabelIndex();
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { labels: { app: 'web' } }));
    idx.setEndpoint(ref('b'), makeEndpoint('ns', 'b', { labels: { app: 'db' } }));
    const r = recorder();
    idx.addSelector(sel("app == 'web'"), r);
    expect(r.events).toEqual(["+app == 'web' a"]);
    idx.setEndpoint(ref('b'), makeEndpoint('ns', 'b', { labels: { app: 'web' } }));
    idx.setEndpoint(
      ref('a'),
      makeEndpoint('ns', 'a', { labels: { app: 'web' }, ips: ['10.9.9.9'] }),
    );
    idx.setEndpoint(
      ref('a'),
      makeEndpoint('ns', 'a', { labels: { app: 'web' }, ips: ['10.9.9.9'] }),
    );
    idx.setEndpoint(ref('a'), null);
    expect(r.events).toEqual([
      "+app == 'web' a",
      "+app == 'web' b",
      "~app == 'web' a",
      "-app == 'web' a",
    ]);
    expect([...idx.matching("app == 'web'")].map((e) => e.ref.name)).toEqual(['b']);
  });

  it.each<[string, Parameters<typeof makeEndpoint>[2], string[]]>([
    ['the same spec again, labels in another order', { labels: { tier: 'a', app: 'web' } }, []],
    ['another IP', { labels: { app: 'web', tier: 'a' }, ips: ['10.0.0.2'] }, ["~app == 'web' a"]],
    ['another node', { labels: { app: 'web', tier: 'a' }, node: 'n2' }, ["~app == 'web' a"]],
    [
      'another port',
      { labels: { app: 'web', tier: 'a' }, ports: [{ name: 'h', protocol: 'TCP', port: 81 }] },
      ["~app == 'web' a"],
    ],
    ['a label value', { labels: { app: 'web', tier: 'b' } }, []],
    ['a label gone', { labels: { tier: 'a' } }, ["-app == 'web' a"]],
    ['a label more', { labels: { app: 'web', tier: 'a', x: '' } }, []],
  ])('re-sent endpoint, %s', (_name, spec, events) => {
    const idx = new LabelIndex();
    const base = {
      labels: { app: 'web', tier: 'a' },
      ports: [{ name: 'h', protocol: 'TCP' as const, port: 80 }],
    };
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', base));
    const r = recorder();
    idx.addSelector(sel("app == 'web'"), r);
    r.events.length = 0;
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { ports: base.ports, ...spec }));
    expect(r.events).toEqual(events);
  });

  it.each([
    ['namespace label', "ns:team == 'x'", { team: 'x' }, true],
    ['namespace label absent', "ns:team == 'x'", { team: 'y' }, false],
    ['namespace name', "pal:namespace == 'ns'", {}, true],
    ['negation over namespace labels', "ns:team != 'x'", {}, true],
    ['unhinted selector', 'has(app)', {}, true],
  ])('matches on effective labels: %s', (_name, text, nsLabels, expected) => {
    const idx = new LabelIndex();
    idx.setNamespace('ns', nsLabels);
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { labels: { app: 'web' } }));
    const r = recorder();
    idx.addSelector(sel(text), r);
    expect(r.events.length > 0).toBe(expected);
    expect(idx.matchesOf('ns/a').has(sel(text).text)).toBe(expected);
  });

  it.each(['before', 'after'])(
    'follows has(key) selectors as the key comes and goes (registered %s the endpoints)',
    (when) => {
      const texts = ['has(tier)', 'has(ns:env)', 'has(pal:namespace)', "has(tier) || app == 'db'"];
      const idx = new LabelIndex();
      const r = recorder();
      const register = (): void => texts.forEach((t) => idx.addSelector(sel(t), r));
      const state = (): string[] =>
        texts.map(
          (t) =>
            `${t}: ${[...idx.matching(sel(t).text)]
              .map((e) => e.ref.name)
              .sort()
              .join(',')}`,
        );
      if (when === 'before') register();
      idx.setNamespace('ns', { env: 'prod' });
      idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { labels: { app: 'web', tier: 'x' } }));
      idx.setEndpoint(ref('b', 'other'), makeEndpoint('other', 'b', { labels: { app: 'db' } }));
      if (when === 'after') register();
      expect(state()).toEqual([
        'has(tier): a',
        'has(ns:env): a',
        'has(pal:namespace): a,b',
        "has(tier) || app == 'db': a,b",
      ]);
      idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { labels: { app: 'web' } }));
      idx.setEndpoint(ref('b', 'other'), makeEndpoint('other', 'b', { labels: { tier: '' } }));
      idx.setNamespace('ns', { team: 'x' });
      idx.setNamespace('other', { env: '' });
      expect(state()).toEqual([
        'has(tier): b',
        'has(ns:env): b',
        'has(pal:namespace): a,b',
        "has(tier) || app == 'db': b",
      ]);
    },
  );

  it("re-evaluates a namespace's endpoints when its labels change, and only those", () => {
    const idx = new LabelIndex();
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a'));
    idx.setEndpoint(ref('b', 'other'), makeEndpoint('other', 'b'));
    const r = recorder();
    idx.addSelector(sel("ns:team == 'x'"), r);
    idx.setNamespace('ns', { team: 'x' });
    idx.setNamespace('ns', { team: 'x' });
    idx.setNamespace('ns', { team: 'y' });
    idx.setNamespace('ns', { team: 'x' });
    idx.setNamespace('ns', null);
    expect(r.events).toEqual([
      "+ns:team == 'x' a",
      "-ns:team == 'x' a",
      "+ns:team == 'x' a",
      "-ns:team == 'x' a",
    ]);
  });

  it('shares a selector between consumers and forgets it with the last one', () => {
    const idx = new LabelIndex();
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { labels: { app: 'web' } }));
    const r1 = recorder();
    const r2 = recorder();
    idx.addSelector(sel("app == 'web'"), r1);
    idx.addSelector(sel("app == 'web'"), r2);
    idx.removeSelector("app == 'web'", r1);
    idx.setEndpoint(ref('a'), null);
    expect(r1.events).toEqual(["+app == 'web' a"]);
    expect(r2.events).toEqual(["+app == 'web' a", "-app == 'web' a"]);
    idx.removeSelector("app == 'web'", r2);
    idx.setEndpoint(ref('a'), makeEndpoint('ns', 'a', { labels: { app: 'web' } }));
    expect(idx.matchesOf('ns/a').size).toBe(0);
  });

  describe('a namespace whose labels cannot be read', () => {
    const selectors = [
      "ns:env == 'prod'",
      "ns:env != 'prod'",
      "ns:env not in {'prod'}",
      '!has(ns:env)',
      'has(ns:env)',
      "app == 'b' || ns:env != 'prod'",
      "app == 'b'",
      "pal:namespace == 'other' && app == 'b'",
    ];
    const matched = (idx: LabelIndex): string[] =>
      selectors.filter((t) => [...idx.matching(sel(t).text)].some((e) => e.ref.name === 'b'));

    it.each(['before', 'after'])(
      'matches no namespace selector, positive or negative (selectors registered %s)',
      (when) => {
        const idx = new LabelIndex();
        const r = recorder();
        if (when === 'before') selectors.forEach((t) => idx.addSelector(sel(t), r));
        idx.setNamespace('other', { env: 'prod' });
        idx.setEndpoint(ref('b', 'other'), makeEndpoint('other', 'b', { labels: { app: 'b' } }));
        idx.setNamespace('other', UNREADABLE);
        if (when === 'after') selectors.forEach((t) => idx.addSelector(sel(t), r));
        // Only what does not depend on the namespace's labels still matches.
        expect(matched(idx)).toEqual([
          "app == 'b' || ns:env != 'prod'",
          "app == 'b'",
          "pal:namespace == 'other' && app == 'b'",
        ]);
        idx.setNamespace('other', { env: 'dev' });
        expect(matched(idx)).toEqual(
          selectors.filter((t) => t !== "ns:env == 'prod'" && t !== '!has(ns:env)'),
        );
      },
    );
  });
});
