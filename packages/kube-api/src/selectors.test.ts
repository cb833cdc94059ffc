import { describe, expect, it } from 'vitest';
import { PODS } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { isPalisadeError } from '@palisade/model';
import type { KubeObject } from './types.js';

const pod = (labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name: 'p', namespace: 'ns', labels },
  spec: { nodeName: 'n1' },
  status: { phase: 'Running' },
  ...extra,
});

describe('labelMatcher', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['', {}, true],
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['app in (web, db)', { app: 'db' }, true],
    ['app in (web,db)', {}, false],
    ['app notin (web,db)', {}, true],
    ['app notin (web,db)', { app: 'web' }, false],
    ['app', { app: '' }, true],
    ['!app', { app: 'x' }, false],
    ['!app', {}, true],
    ['example.com/tier=front,app', { 'example.com/tier': 'front', app: 'x' }, true],
    ['app=', { app: '' }, true],
    ['n>3', { n: '4' }, true],
    ['n<3', { n: '4' }, false],
  ];
  it.each(cases)('%j on %j → %s', (sel, labels, want) => {
    expect(labelMatcher(sel)(pod(labels))).toBe(want);
  });

  it.each(['app in web', 'app=web,,', 'a b'])('rejects %j with 400', (sel) => {
    try {
      labelMatcher(sel);
      expect.unreachable();
    } catch (err) {
      expect(isPalisadeError(err)).toBe(true);
    }
  });
});

describe('fieldMatcher', () => {
  const cases: [string, boolean][] = [
    ['metadata.name=p', true],
    ['metadata.name==p,metadata.namespace=ns', true],
    ['metadata.namespace!=ns', false],
    ['spec.nodeName=n1,status.phase=Running', true],
    ['status.phase=Pending', false],
    ['spec.nodeName=', false],
  ];
  it.each(cases)('%j → %s', (sel, want) => {
    expect(fieldMatcher(PODS, sel)(pod({}))).toBe(want);
  });

  it('rejects unsupported fields', () => {
    expect(() => fieldMatcher(PODS, 'spec.foo=1')).toThrow('field label not supported: spec.foo');
  });
});
