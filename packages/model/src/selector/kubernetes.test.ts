import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../errors.js';
import { catchPalisadeError } from '../testing/index.js';
import {
  labelSelectorToExpr,
  matchSelector,
  parseSelector,
  peerSelector,
  policySelector,
  printSelector,
  selectorLabels,
} from './index.js';
import type { LabelSelector } from './index.js';

describe('labelSelectorToExpr', () => {
  it.each<[string, LabelSelector, string]>([
    ['empty selector selects all', {}, 'all()'],
    ['null fields select all', { matchLabels: null, matchExpressions: null }, 'all()'],
    ['empty lists select all', { matchLabels: {}, matchExpressions: [] }, 'all()'],
    ['matchLabels', { matchLabels: { app: 'web', tier: 'db' } }, "app == 'web' && tier == 'db'"],
    [
      'prefixed keys',
      { matchLabels: { 'example.com/app': 'a.b-c_d' } },
      "example.com/app == 'a.b-c_d'",
    ],
    ['empty value', { matchLabels: { app: '' } }, "app == ''"],
    [
      'In',
      { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] },
      "app in {'api', 'web'}",
    ],
    [
      'In with one value',
      { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      "app == 'web'",
    ],
    [
      'NotIn',
      { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['b', 'a'] }] },
      "app not in {'a', 'b'}",
    ],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, 'has(app)'],
    [
      'Exists with null values',
      { matchExpressions: [{ key: 'app', operator: 'Exists', values: null }] },
      'has(app)',
    ],
    [
      'DoesNotExist',
      { matchExpressions: [{ key: 'app', operator: 'DoesNotExist', values: [] }] },
      '!has(app)',
    ],
    [
      'matchLabels and matchExpressions',
      {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }],
      },
      "app == 'web' && env != 'dev'",
    ],
  ])('%s', (_name, sel, expected) => {
    expect(printSelector(labelSelectorToExpr(sel))).toBe(expected);
  });

  it('prefixes keys for namespace labels', () => {
    expect(printSelector(labelSelectorToExpr({ matchLabels: { team: 'a' } }, 'ns:'))).toBe(
      "ns:team == 'a'",
    );
  });

  it.each<[string, LabelSelector, string]>([
    [
      'unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      'matchExpressions[0].operator',
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      'matchExpressions[0].values',
    ],
    [
      'NotIn with null values',
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: null }] },
      'matchExpressions[0].values',
    ],
    [
      'Exists with values',
      {
        matchExpressions: [
          { key: 'a', operator: 'Exists' },
          { key: 'b', operator: 'Exists', values: ['x'] },
        ],
      },
      'matchExpressions[1].values',
    ],
    [
      'DoesNotExist with values',
      { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] },
      'matchExpressions[0].values',
    ],
    [
      'bad key in matchExpressions',
      { matchExpressions: [{ key: 'a b', operator: 'Exists' }] },
      'matchExpressions[0].key',
    ],
    [
      'empty key',
      { matchExpressions: [{ key: '', operator: 'Exists' }] },
      'matchExpressions[0].key',
    ],
    ['bad key in matchLabels', { matchLabels: { 'a"b': 'x' } }, 'matchLabels'],
  ])('rejects %s naming %s', (_name, sel, field) => {
    let caught: unknown;
    try {
      labelSelectorToExpr(sel);
    } catch (err) {
      caught = err;
    }
    expect(isPalisadeError(caught, 'INVALID_INPUT')).toBe(true);
    expect((caught as Error).message.startsWith(`${field}: `)).toBe(true);
    expect((caught as { fields: unknown }).fields).toEqual({ field });
  });
});

describe('policySelector', () => {
  it.each<[LabelSelector | null, string]>([
    [{}, "pal:namespace == 'prod'"],
    [null, "pal:namespace == 'prod'"],
    [{ matchLabels: { app: 'web' } }, "app == 'web' && pal:namespace == 'prod'"],
    [
      { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      "has(app) && pal:namespace == 'prod'",
    ],
  ])('%j', (podSelector, expected) => {
    expect(policySelector(podSelector, 'prod')).toBe(expected);
  });
});

type Peer = Parameters<typeof peerSelector>[0];

describe('peerSelector', () => {
  it.each<[string, Peer, string]>([
    [
      'podSelector only: pods in the policy namespace',
      { podSelector: { matchLabels: { app: 'db' } } },
      "app == 'db' && pal:namespace == 'prod'",
    ],
    [
      'empty podSelector: every pod in the policy namespace',
      { podSelector: {} },
      "pal:namespace == 'prod'",
    ],
    [
      'empty podSelector, null namespaceSelector',
      { podSelector: {}, namespaceSelector: null },
      "pal:namespace == 'prod'",
    ],
    ['namespaceSelector {}: every pod everywhere', { namespaceSelector: {} }, 'all()'],
    ['both empty: every pod everywhere', { podSelector: {}, namespaceSelector: {} }, 'all()'],
    [
      'namespaceSelector only',
      { namespaceSelector: { matchLabels: { team: 'a' } } },
      "ns:team == 'a'",
    ],
    [
      'both selectors',
      {
        podSelector: { matchLabels: { app: 'db' } },
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['x', 'y'] },
          ],
        },
      },
      "app == 'db' && ns:kubernetes.io/metadata.name in {'x', 'y'}",
    ],
    [
      'podSelector {} with namespaceSelector',
      { podSelector: {}, namespaceSelector: { matchLabels: { team: 'a' } } },
      "ns:team == 'a'",
    ],
  ])('%s', (_name, peer, expected) => {
    expect(peerSelector(peer, 'prod')).toBe(expected);
  });

  it.each<[Peer]>([[{}], [{ podSelector: null, namespaceSelector: null }]])(
    'rejects a peer with neither selector: %j',
    (peer) => {
      catchPalisadeError(() => peerSelector(peer, 'prod'), 'INVALID_INPUT');
    },
  );

  it('names the selector in error fields', () => {
    const err = catchPalisadeError(() =>
      peerSelector(
        { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } },
        'prod',
      ),
    );
    expect(err.fields).toEqual({ field: 'namespaceSelector.matchExpressions[0].values' });
    expect(() =>
      peerSelector({ podSelector: { matchExpressions: [{ key: 'a', operator: 'Foo' }] } }, 'prod'),
    ).toThrow(/^podSelector\.matchExpressions\[0\]\.operator: unknown operator "Foo"/);
  });

  it.each<[string, Peer, string, Record<string, string>, boolean]>([
    ['missing namespaceSelector: same namespace', { podSelector: {} }, 'prod', {}, true],
    ['missing namespaceSelector: other namespace', { podSelector: {} }, 'dev', {}, false],
    [
      '{} namespaceSelector: other namespace',
      { podSelector: {}, namespaceSelector: {} },
      'dev',
      {},
      true,
    ],
    [
      'namespace labels match',
      { namespaceSelector: { matchLabels: { team: 'a' } } },
      'dev',
      { team: 'a' },
      true,
    ],
    [
      'namespace labels differ',
      { namespaceSelector: { matchLabels: { team: 'a' } } },
      'prod',
      { team: 'b' },
      false,
    ],
  ])('matches: %s', (_name, peer, podNamespace, nsLabels, expected) => {
    const labels = selectorLabels({ app: 'web' }, podNamespace, nsLabels);
    expect(matchSelector(parseSelector(peerSelector(peer, 'prod')), labels)).toBe(expected);
  });
});
