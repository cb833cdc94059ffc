import { describe, expect, it } from 'vitest';
import { makePod, onNode, podIPs, podLabels, type Tweak } from '../testing/builders.js';
import { compactPod } from './compact.js';
import { translatePod } from './pod.js';
import type { KPod } from './types.js';

const fat: Tweak<KPod> = (pod) => {
  Object.assign(pod.metadata!, {
    uid: 'u-1',
    resourceVersion: '42',
    annotations: { big: 'x'.repeat(1000) },
    managedFields: [{ manager: 'kubelet' }],
  });
  pod.spec!.containers = [
    { name: 'main', image: 'img', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'A', value: 'b' }] } as never,
  ];
  pod.spec!.initContainers = [
    { name: 'side', image: 'img', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }] },
    { name: 'init', image: 'img', ports: [{ name: 'ignored', containerPort: 1 }] },
  ];
  Object.assign(pod.status!, { conditions: [{ type: 'Ready', status: 'True' }] });
};

describe('compactPod', () => {
  it.each<[string, KPod]>([
    ['plain', makePod('a', 'ns')],
    ['fat', makePod('a', 'ns', fat, podLabels({ app: 'web', tier: 'a' }))],
    ['dual stack', makePod('a', 'ns', podIPs('10.0.0.1', 'fd00::1'), onNode('n2'))],
    ['host network', makePod('a', 'ns', (p) => (p.spec!.hostNetwork = true))],
    ['finished', makePod('a', 'ns', (p) => (p.status!.phase = 'Succeeded'))],
    ['no IP', makePod('a', 'ns', (p) => (p.status = {}))],
  ])('translates the same as the full pod: %s', (_name, pod) => {
    expect(translatePod(compactPod(pod) as KPod)).toEqual(translatePod(pod));
  });

  it('keeps what the informer cache reads and drops the rest', () => {
    const c = compactPod(makePod('a', 'ns', fat)) as Record<string, Record<string, unknown>>;
    expect(c.metadata).toEqual({ name: 'a', namespace: 'ns', uid: 'u-1', resourceVersion: '42', labels: { app: 'a' } });
    expect(JSON.stringify(c)).not.toContain('managedFields');
    expect(JSON.stringify(c)).not.toContain('conditions');
    expect(JSON.stringify(c)).not.toContain('"env"');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'pod'],
    ['metadata of the wrong type', { metadata: 'x', spec: 3, status: [] }],
    ['containers of the wrong type', { metadata: {}, spec: { containers: 'x', initContainers: [null, 1] } }],
  ])('never throws, and leaves odd fields to translation: %s', (_name, obj) => {
    expect(() => compactPod(obj)).not.toThrow();
  });
});
