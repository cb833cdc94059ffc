/** `helm lint --strict` passes for the default values and every example values file. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { helm, lintChart, loadYamlFile } from './helm.js';
import { CHART_DIR, NAMESPACE } from './helpers.js';

const examples = readdirSync(path.join(CHART_DIR, 'examples')).filter((f) => f.endsWith('.yaml'));

describe('helm lint --strict', () => {
  it('runs helm v3.18.0', () => {
    expect(helm(['version', '--short']).stdout).toMatch(/^v3\.18\.0\b/);
  });

  it.each([
    { name: 'defaults', values: [] as Record<string, unknown>[] },
    ...examples.map((f) => ({
      name: `examples/${f}`,
      values: [loadYamlFile(path.join(CHART_DIR, 'examples', f))],
    })),
  ])('passes with $name', ({ values }) => {
    const res = lintChart({ chartDir: CHART_DIR, namespace: NAMESPACE, values });
    expect(res.stdout + res.stderr).toContain('0 chart(s) failed');
    expect(res.status).toBe(0);
  });

  it('fails on values the schema rejects (the lint is not a no-op)', () => {
    const res = lintChart({
      chartDir: CHART_DIR,
      namespace: NAMESPACE,
      values: [{ controller: { replicas: 0 } }],
    });
    expect(res.status).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/replicas/);
  });
});
