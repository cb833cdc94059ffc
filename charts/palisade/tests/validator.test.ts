/** The offline manifest validator itself must catch what the API server would reject. */
import { describe, expect, it } from 'vitest';
import type { Manifest } from './helm.js';
import { validateManifest } from './k8sValidate.js';

function daemonSet(podSpec: Record<string, unknown>): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'x' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: podSpec },
    },
  };
}

describe('validateManifest', () => {
  it('accepts a valid object', async () => {
    expect(await validateManifest(daemonSet({ containers: [{ name: 'a', image: 'b' }] }))).toEqual(
      [],
    );
  });

  it.each([
    [
      'a misspelt pod field',
      { hostNetwrk: true, containers: [{ name: 'a', image: 'b' }] },
      /spec\.template\.spec\.hostNetwrk: unknown field/,
    ],
    [
      'a misplaced container field',
      { containers: [{ name: 'a', image: 'b', hostNetwork: true }] },
      /containers\[0\]\.hostNetwork: unknown field/,
    ],
    [
      'an unknown nested field',
      { containers: [{ name: 'a', image: 'b', securityContext: { capabilities: { ad: ['X'] } } }] },
      /capabilities\.ad: unknown field/,
    ],
    [
      'a wrong type',
      { containers: [{ name: 'a', image: 'b', ports: [{ containerPort: 'http' }] }] },
      /containerPort: must be integer/,
    ],
    [
      'a missing required field',
      { containers: [{ image: 'b' }] },
      /containers\/0: must have required property name/,
    ],
  ])('rejects %s', async (_name, spec, expected) => {
    const problems = await validateManifest(daemonSet(spec));
    expect(problems.join('\n')).toMatch(expected);
  });

  it('validates ServiceMonitors against the prometheus-operator schema', async () => {
    const sm = (endpoints: unknown): Manifest => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'x' },
      spec: { selector: {}, endpoints },
    });
    expect(await validateManifest(sm([{ port: 'metrics' }]))).toEqual([]);
    expect((await validateManifest(sm([{ port: 5 }]))).join('\n')).toMatch(/port: must be string/);
  });

  it('rejects an apiVersion it has no schema for', async () => {
    const problems = await validateManifest({
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'x' },
    });
    expect(problems.join('\n')).toMatch(/no schema known for apiVersion example.com\/v1/);
  });
});
