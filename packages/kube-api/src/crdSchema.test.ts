/**
 * The chart's CRD stays within what this server can evaluate: every CEL rule has a
 * JavaScript equivalent, and the CIDR pattern is the one cidrPattern.ts generates.
 */
import { describe, expect, it } from 'vitest';
import { CIDR_PATTERN } from './cidrPattern.js';
import { loadCrdSchema } from './crdSchema.js';
import { SUPPORTED_CEL_RULES, type OpenApiSchema } from './structural.js';

function nodes(s: OpenApiSchema): OpenApiSchema[] {
  const kids = [...Object.values(s.properties ?? {}), s.additionalProperties, s.items];
  return [s, ...kids.flatMap((k) => (k ? nodes(k) : []))];
}

describe('the chart CRD, as this server loads it', () => {
  const schema = loadCrdSchema();

  it('uses only CEL rules the server evaluates', () => {
    const rules = nodes(schema).flatMap((n) => n['x-kubernetes-validations'] ?? []);
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(SUPPORTED_CEL_RULES).toContain(r.rule);
  });

  it('checks networks with CIDR_PATTERN', () => {
    const networks = schema.properties?.spec?.properties?.egress?.items?.properties?.to?.items;
    expect(networks?.properties?.networks?.items?.pattern).toBe(CIDR_PATTERN);
  });
});
