import { describe, expect, it } from 'vitest';
import { makeNamespace } from '../testing/builders.js';
import { translateNamespace } from './namespace.js';

describe('translateNamespace', () => {
  it.each([
    ['labels kept', makeNamespace('team-a', { team: 'a' }), { 'kubernetes.io/metadata.name': 'team-a', team: 'a' }],
    ['no labels', { metadata: { name: 'bare' } }, {}],
    ['null labels', { metadata: { name: 'bare', labels: null } }, {}],
  ])('%s', (_d, ns, labels) => {
    const out = translateNamespace(ns);
    expect(out).toEqual({ apiVersion: 'palisade.io/v1', kind: 'Namespace', metadata: { name: ns.metadata?.name }, spec: { labels } });
  });

  it('keeps the uid', () => {
    expect(translateNamespace({ metadata: { name: 'a', uid: 'u' } }).metadata).toEqual({ name: 'a', uid: 'u' });
  });

  it('throws for a name that cannot be stored', () => {
    expect(() => translateNamespace({ metadata: { name: 'Not.A.Label' } })).toThrow(/cannot be stored/);
  });
});
