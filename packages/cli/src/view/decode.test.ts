import { describe, expect, it } from 'vitest';
import { makeAgent, makeEndpoint, makeNamespace, makePolicy } from '../testing/builders.js';
import { decodeModel } from './decode.js';

const item = (key: string, value: unknown, modRevision: string) => ({
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value, null, 2),
  modRevision,
});

describe('decodeModel', () => {
  const items = [
    item('/palisade/v1/policy/x/p', makePolicy('x', 'p'), '5'),
    item('/palisade/v1/namespace/x', makeNamespace('x'), '3'),
    item(
      '/palisade/v1/endpoint/node-a/x/a',
      makeEndpoint('x', 'a', (e) => {
        e.spec.node = 'node-a';
      }),
      '7',
    ),
    item('/palisade/v1/agent/node-a', makeAgent('node-a', '7'), '9'),
    item(
      '/palisade/v1/controller/leader',
      {
        apiVersion: 'palisade.io/v1',
        kind: 'Leader',
        holder: 'ctl-1',
        since: '2025-01-01T00:00:00.000Z',
      },
      '10',
    ),
    item('/palisade/v1/policy/x/bad', '{"kind":"Policy"', '8'),
    item('/palisade/v1/policy/x/wrong', makePolicy('x', 'other'), '4'),
  ];

  it('decodes every kind, keeping the raw text', () => {
    const d = decodeModel(items, '11');
    expect(d.policies.map((p) => p.value.metadata.name)).toEqual(['p']);
    expect(d.policies[0]?.raw).toBe(items[0]?.value);
    expect(d.namespaces).toHaveLength(1);
    expect(d.endpoints).toHaveLength(1);
    expect(d.agents).toHaveLength(1);
    expect(d.leader).toEqual({ id: 'ctl-1', since: '2025-01-01T00:00:00.000Z' });
    expect(d.revision).toBe('11');
  });

  it('keeps invalid values, naming the key', () => {
    const d = decodeModel(items, '11');
    expect(d.invalid.map((i) => i.key)).toEqual([
      '/palisade/v1/policy/x/bad',
      '/palisade/v1/policy/x/wrong',
    ]);
  });

  it('measures the model revision over policy/endpoint/namespace writes only (invalid ones too)', () => {
    expect(decodeModel(items, '11').modelRevision).toBe('8');
  });

  it('counts the revision of the newest delete, which left no key', () => {
    const marker = item(
      '/palisade/v1/controller/last-delete',
      { apiVersion: 'palisade.io/v1', kind: 'LastDelete', revision: '12' },
      '13',
    );
    expect(decodeModel([...items, marker], '13').modelRevision).toBe('12');
    const older = item(
      '/palisade/v1/controller/last-delete',
      { apiVersion: 'palisade.io/v1', kind: 'LastDelete', revision: '2' },
      '3',
    );
    expect(decodeModel([...items, older], '13').modelRevision).toBe('8');
  });
});

describe('decodeModel judges values as the agents do', () => {
  const policy = (selector: string, peerSelector?: string): unknown => {
    const p = makePolicy('x', 'p') as { spec: { selector: string; ingress: unknown[] } };
    p.spec.selector = selector;
    if (peerSelector !== undefined) p.spec.ingress = [{ action: 'Allow', ports: [], peers: [{ selector: peerSelector }] }];
    return p;
  };
  const endpoint = (extra: Record<string, string>): unknown => {
    const e = makeEndpoint('x', 'a') as { spec: { labels: Record<string, string> } };
    e.spec.labels = { ...e.spec.labels, ...extra };
    return e;
  };

  it.each([
    ['a valid policy', '/palisade/v1/policy/x/p', policy("pal:namespace == 'x'"), null],
    ['a policy selector that does not parse', '/palisade/v1/policy/x/p', policy("app == 'web' &&"), /^spec\.selector: /],
    ['a peer selector that does not parse (checked first)', '/palisade/v1/policy/x/p', policy('nope ==', 'pod =='), /^spec\.ingress\.0\.peers\.0\.selector: /],
    ['a selector naming another namespace (valid: the agents confine it)', '/palisade/v1/policy/x/p', policy("pal:namespace == 'adv'"), null],
    ['an endpoint with a pal: label', '/palisade/v1/endpoint/node-a/x/a', endpoint({ 'pal:namespace': 'adv' }), /spec\.labels.*pal:namespace.*reserved label key/],
    ['an endpoint with an ns: label', '/palisade/v1/endpoint/node-a/x/a', endpoint({ 'ns:team': 'blue' }), /spec\.labels.*ns:team.*reserved label key/],
  ])('%s', (_name, key, value, error) => {
    const d = decodeModel([item(key, value, '5')], '5');
    if (error === null) {
      expect(d.invalid).toEqual([]);
      return;
    }
    expect(d.invalid).toHaveLength(1);
    expect(d.invalid[0]).toMatchObject({ key, modRevision: '5' });
    expect(d.invalid[0]?.error).toMatch(error);
    expect(d.policies).toEqual([]);
    expect(d.endpoints).toEqual([]);
  });
});
