/**
 * values.yaml and values.schema.json: the schema rejects bad values with the path of
 * the bad value, values.yaml documents every setting, and the templates read only
 * values that exist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, parseDocument, type Node as YamlNode } from 'yaml';
import { loadYamlFile, mergeValues, schemaValidator } from './helm.js';
import { CHART_DIR, EXTERNAL, VALUE_SETS } from './helpers.js';

const validate = schemaValidator(CHART_DIR);
const defaults = loadYamlFile(path.join(CHART_DIR, 'values.yaml'));

function errorsFor(...overrides: Record<string, unknown>[]): string[] {
  const values = overrides.reduce((acc, o) => mergeValues(acc, o), defaults);
  return validate(values).map((e) => `${e.instancePath || '/'}: ${e.message ?? ''}`);
}

describe('values.schema.json', () => {
  it.each(VALUE_SETS)('accepts $name', ({ values }) => {
    expect(errorsFor(...values)).toEqual([]);
  });

  it.each([
    [
      'replicas is a string',
      { controller: { replicas: '2' } },
      '/controller/replicas: must be integer',
    ],
    ['replicas is zero', { controller: { replicas: 0 } }, '/controller/replicas: must be >= 1'],
    [
      'replicas is negative',
      { controller: { replicas: -1 } },
      '/controller/replicas: must be >= 1',
    ],
    [
      'log level not in the enum',
      { log: { level: 'verbose' } },
      '/log/level: must be equal to one of the allowed values',
    ],
    [
      'log format not in the enum',
      { log: { format: 'xml' } },
      '/log/format: must be equal to one of the allowed values',
    ],
    [
      'a misspelt key',
      { controller: { replica: 2 } },
      '/controller: must NOT have additional properties',
    ],
    ['an unknown top-level key', { agnet: {} }, '/: must NOT have additional properties'],
    [
      'a port out of range',
      { agent: { metricsPort: 70000 } },
      '/agent/metricsPort: must be <= 65535',
    ],
    [
      'a port as a string',
      { controller: { metricsPort: '9091' } },
      '/controller/metricsPort: must be integer',
    ],
    [
      'an unknown iptables backend',
      { agent: { iptablesBackend: 'iptables' } },
      '/agent/iptablesBackend: must be equal to one of the allowed values',
    ],
    [
      'an unknown ipv6 mode',
      { agent: { ipv6: 'yes' } },
      '/agent/ipv6: must be equal to one of the allowed values',
    ],
    [
      'a duration without unit',
      { controller: { resyncInterval: '60' } },
      '/controller/resyncInterval: must match pattern',
    ],
    [
      'a lease TTL below 2s',
      { controller: { leaseTtlSeconds: 1 } },
      '/controller/leaseTtlSeconds: must be >= 2',
    ],
    [
      'an unknown pull policy',
      { image: { pullPolicy: 'Sometimes' } },
      '/image/pullPolicy: must be equal to one of the allowed values',
    ],
    [
      'maxUnavailable 0 (the rollout would never progress)',
      { agent: { maxUnavailable: 0 } },
      '/agent/maxUnavailable: must be >= 1',
    ],
    [
      'an extra arg that is not a flag',
      { agent: { extraArgs: ['debug'] } },
      '/agent/extraArgs/0: must match pattern',
    ],
    [
      'a node selector value that is not a string',
      { agent: { nodeSelector: { pool: 1 } } },
      '/agent/nodeSelector/pool: must be string',
    ],
    [
      'missing endpoints when bundled etcd is off',
      { etcd: { bundled: { enabled: false } } },
      '/etcd/endpoints: must NOT have fewer than 1 items',
    ],
    [
      'an endpoint without a port',
      { ...EXTERNAL, etcd: { ...EXTERNAL.etcd, endpoints: ['https://etcd:'] } },
      '/etcd/endpoints/0: must match pattern',
    ],
    [
      'an endpoint without a scheme',
      { ...EXTERNAL, etcd: { ...EXTERNAL.etcd, endpoints: ['etcd:2379'] } },
      '/etcd/endpoints/0: must match pattern',
    ],
    [
      'an endpoint with a path',
      { ...EXTERNAL, etcd: { ...EXTERNAL.etcd, endpoints: ['https://etcd:2379/v3'] } },
      '/etcd/endpoints/0: must match pattern',
    ],
    [
      'endpoints together with the bundled etcd',
      { etcd: { endpoints: ['http://etcd:2379'] } },
      '/etcd/endpoints: must NOT have more than 0 items',
    ],
    [
      'TLS without a Secret',
      { ...EXTERNAL, etcd: { ...EXTERNAL.etcd, tls: { enabled: true, secretName: '' } } },
      '/etcd/tls/secretName: must NOT have fewer than 1 characters',
    ],
    [
      'auth with a misspelt component Secret',
      { ...EXTERNAL, etcd: { ...EXTERNAL.etcd, auth: { enabled: true, secrets: { ctrl: 'x' } } } },
      '/etcd/auth/secrets: must NOT have additional properties',
    ],
    [
      'TLS with the bundled etcd',
      { etcd: { tls: { enabled: true, secretName: 'x' } } },
      '/etcd/tls/enabled: must be equal to constant',
    ],
    [
      'a volume size without unit',
      { etcd: { bundled: { persistence: { size: '1' } } } },
      '/etcd/bundled/persistence/size: must match pattern',
    ],
    [
      'a cleanup timeout of 0',
      { cleanup: { timeoutSeconds: 0 } },
      '/cleanup/timeoutSeconds: must be >= 10',
    ],
    [
      'a registry with a trailing slash',
      { image: { registry: 'registry.example.com/' } },
      '/image/registry: must match pattern',
    ],
  ])('rejects %s', (_name, override, expected) => {
    expect(errorsFor(override)).toContainEqual(expect.stringContaining(expected));
  });

  it('describes every setting', () => {
    const schema = JSON.parse(
      readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, at: string) => {
      const props = s.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) {
        const leaf = v.properties === undefined && v.$ref === undefined;
        if (leaf && !v.description) missing.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });
});

describe('values.yaml', () => {
  const doc = parseDocument(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8'));
  const schema = JSON.parse(
    readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8'),
  ) as SchemaNode;
  interface SchemaNode {
    properties?: Record<string, SchemaNode>;
    definitions?: Record<string, SchemaNode>;
    $ref?: string;
  }
  const resolve = (s: SchemaNode | undefined): SchemaNode | undefined =>
    s?.$ref ? schema.definitions![s.$ref.replace('#/definitions/', '')] : s;

  it('has a comment above every setting (a "# -- " comment covers a whole map)', () => {
    const uncommented: string[] = [];
    const walk = (node: YamlNode | null, s: SchemaNode | undefined, at: string) => {
      if (!isMap(node) || !s?.properties) return;
      node.items.forEach((pair, i) => {
        const key = String((pair.key as { value: unknown }).value);
        const sub = resolve(s.properties![key]);
        const comment =
          (pair.key as { commentBefore?: string }).commentBefore ??
          (i === 0 ? node.commentBefore : undefined);
        const nested = sub?.properties !== undefined;
        if (!nested && !comment) uncommented.push(`${at}${key}`);
        // A "# -- " comment (helm-docs style) documents the whole value, map or not.
        if (!comment?.includes('-- ')) walk(pair.value as YamlNode, sub, `${at}${key}.`);
      });
    };
    walk(doc.contents, schema, '');
    expect(uncommented).toEqual([]);
  });

  it('holds every value the templates read', () => {
    // Every .Values path in every template (all branches, taken or not: helm renders only
    // the taken ones, and a missing value there renders as nothing).
    const paths = new Set<string>();
    const dir = path.join(CHART_DIR, 'templates');
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!/\.(yaml|tpl|txt)$/.test(f)) continue;
      const text = readFileSync(path.join(dir, f), 'utf8');
      for (const m of text.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g))
        paths.add(m[1]!.slice(1));
    }
    expect(paths.size).toBeGreaterThan(40);
    const missing = [...paths].filter((p) => {
      let cur: unknown = defaults;
      for (const k of p.split('.')) {
        if (typeof cur !== 'object' || cur === null || !(k in cur)) return true;
        cur = (cur as Record<string, unknown>)[k];
      }
      return false;
    });
    expect(missing).toEqual([]);
  });
});
