/**
 * The chart's ClusterNetworkPolicy CRD (crds/clusternetworkpolicies.yaml) as helm
 * renders it: the same for every supported Kubernetes version, installable on 1.28
 * (a structural schema, CEL only from 1.28's libraries), and with the validation of
 * the upstream network-policy-api v1alpha2 types (kubernetes-sigs/network-policy-api,
 * apis/v1alpha2/clusternetworkpolicy_types.go): enums, bounds, required fields and
 * the "exactly one field" unions. packages/kube-api serves the resource from this
 * same file, and its clusterNetworkPolicyValidation itest checks the behaviour.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { celProblems } from './celCompat.js';
import { at, structuralProblems, walk, type SchemaNode } from './crdSchema.js';
import { CHART_DIR, renderWith } from './helpers.js';
import type { Manifest } from './helm.js';

const CRD_FILE = path.join(CHART_DIR, 'crds/clusternetworkpolicies.yaml');
const CRD_NAME = 'clusternetworkpolicies.policy.networking.k8s.io';

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: Record<string, unknown>;
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: Record<string, unknown>;
      additionalPrinterColumns?: Record<string, unknown>[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
}

function renderedCrds(kubeVersion?: string): Manifest[] {
  const opts = kubeVersion ? { includeCrds: true, kubeVersion } : { includeCrds: true };
  return renderWith(opts).manifests.filter((m) => m.kind === 'CustomResourceDefinition');
}

const [rendered] = renderedCrds('1.28.0') as unknown as Crd[];
const schema = rendered!.spec.versions[0]!.schema.openAPIV3Schema;
const spec = at(schema, 'spec');
const rules = walk(schema).flatMap(({ path: p, node }) =>
  (node['x-kubernetes-validations'] ?? []).map((r) => ({ path: p, ...r })),
);

describe('the CRD as helm renders it', () => {
  it('is only rendered with --include-crds', () => {
    expect(renderWith({}).manifests.filter((m) => m.kind === 'CustomResourceDefinition')).toEqual(
      [],
    );
    expect(renderedCrds().map((m) => m.metadata.name)).toEqual([CRD_NAME]);
  });

  it('is the file itself, plain YAML, the same for Kubernetes 1.28, 1.31 and helm’s default', () => {
    const text = readFileSync(CRD_FILE, 'utf8');
    expect(text).not.toContain('{{');
    const file: unknown = parseYaml(text);
    expect(renderedCrds('1.28.0')).toEqual([file]);
    expect(renderedCrds('1.31.0')).toEqual([file]);
    expect(renderedCrds()).toEqual([file]);
  });

  it('serves policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy, cluster-scoped, with status', () => {
    const { spec: s } = rendered!;
    expect(s.group).toBe('policy.networking.k8s.io');
    expect(s.scope).toBe('Cluster');
    expect(s.names).toEqual({
      kind: 'ClusterNetworkPolicy',
      listKind: 'ClusterNetworkPolicyList',
      plural: 'clusternetworkpolicies',
      singular: 'clusternetworkpolicy',
      shortNames: ['cnp'],
    });
    expect(s.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ['v1alpha2', true, true],
    ]);
    expect(s.versions[0]!.subresources).toEqual({ status: {} });
    expect(s.versions[0]!.additionalPrinterColumns?.map((c) => c.jsonPath)).toEqual([
      '.spec.tier',
      '.spec.priority',
      '.metadata.creationTimestamp',
    ]);
  });
});

describe('the schema is structural and installs on Kubernetes 1.28', () => {
  it('is a structural schema: every node typed, no forbidden keywords', () => {
    expect(structuralProblems(schema)).toEqual([]);
  });

  it('preserves unknown fields nowhere, so the apiserver prunes them', () => {
    const hits = walk(schema).filter(({ node }) =>
      Object.keys(node).some((k) =>
        ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource'].includes(k),
      ),
    );
    expect(hits.map((h) => h.path)).toEqual([]);
  });

  it('has exactly the upstream CEL rules (isCIDR replaced by a pattern)', () => {
    expect(rules.map((r) => r.path)).toEqual([
      'spec.ingress[].protocols[].tcp.destinationPort.range',
      'spec.ingress[].protocols[].udp.destinationPort.range',
      'spec.ingress[].protocols[].sctp.destinationPort.range',
      'spec.egress[]',
      'spec.egress[].protocols[].tcp.destinationPort.range',
      'spec.egress[].protocols[].udp.destinationPort.range',
      'spec.egress[].protocols[].sctp.destinationPort.range',
    ]);
    expect(new Set(rules.map((r) => r.rule)).size).toBe(2);
  });

  it.each(rules.map((r) => [r.path, r.rule] as const))(
    'rule at %s uses only CEL that 1.28 has',
    (_path, rule) => {
      expect(celProblems(rule)).toEqual([]);
    },
  );

  it('measures its network CIDRs with a pattern, not isCIDR', () => {
    const cidr = at(schema, 'spec.egress[].to[].networks[]');
    expect(cidr).toMatchObject({ type: 'string', maxLength: 43 });
    expect(cidr['x-kubernetes-validations']).toBeUndefined();
    const re = new RegExp(String(cidr.pattern));
    for (const ok of ['10.0.0.0/8', '10.0.0.1/8', '::/0', 'fd00::/8', '::ffff:10.0.0.1/128'])
      expect(re.test(ok), ok).toBe(true);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '010.0.0.0/8', 'fd00::/129', 'fd00::%eth0/8'])
      expect(re.test(bad), bad).toBe(false);
  });
});

describe('domain names (experimental egress peer)', () => {
  it('uses the upstream pattern verbatim, [a-zA-z0-9] included, so both accept the same names', () => {
    const domain = at(schema, 'spec.egress[].to[].domainNames[]');
    expect(domain.pattern).toBe(
      '^(\\*\\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.?$',
    );
    const re = new RegExp(String(domain.pattern));
    for (const ok of [
      'kubernetes.io',
      '*.kubernetes.io',
      'blog.kubernetes.io.',
      '_dmarc.example.com',
    ])
      expect(re.test(ok), ok).toBe(true);
    for (const bad of ['kubernetes', '*kubernetes.io', 'a.*.io', 'a..io', '-a.io', 'a.io-'])
      expect(re.test(bad), bad).toBe(false);
  });
});

describe('the CEL 1.28 check itself', () => {
  it.each([
    'self.start < self.end',
    "self.all(x, x.startsWith('a') && size(x) <= 10)",
    "!has(self.x) || self.x.matches('^[a-z]+$')",
    'self.map(p, p.port).isSorted() && self.exists_one(q, q == 1.5e3)',
    "oldSelf == self || url(self).getHost() != ''",
  ])('accepts %s', (rule) => {
    expect(celProblems(rule)).toEqual([]);
  });

  it.each([
    ['isCIDR(self)', /isCIDR/],
    ['cidr(self).prefixLength() <= 24', /cidr/],
    ['ip(self).family() == 4', /ip/],
    ['isIP(self)', /isIP/],
    ['!format.dns1123Label().validate(self).hasValue()', /format/],
    ["quantity(self).isGreaterThan(quantity('1Gi'))", /quantity/],
    ['self.?x.orValue(1) > 0', /orValue/],
    ['self.x.format([1]) == "a"', /format/],
    ['self.all(k, v, v > 0)', /identifier v/],
  ])('rejects %s', (rule, why) => {
    const problems = celProblems(rule);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('; ')).toMatch(why);
  });
});

const PEER = (dir: 'ingress' | 'egress') =>
  dir === 'ingress' ? 'spec.ingress[].from[]' : 'spec.egress[].to[]';
const PROTOCOL = (dir: 'ingress' | 'egress') => `spec.${dir}[].protocols[]`;

describe('the validation matches the upstream v1alpha2 types', () => {
  it('requires tier, priority and subject; a rule its action and peers', () => {
    expect(schema.required).toEqual(['metadata', 'spec']);
    expect(spec.required).toEqual(['tier', 'priority', 'subject']);
    expect(at(schema, 'spec.ingress[]').required).toEqual(['action', 'from']);
    expect(at(schema, 'spec.egress[]').required).toEqual(['action', 'to']);
    for (const p of [PEER('ingress'), PEER('egress')].map((x) => `${x}.pods`))
      expect(at(schema, p).required, p).toEqual(['podSelector']);
    for (const dir of ['ingress', 'egress'] as const)
      for (const proto of ['tcp', 'udp', 'sctp'])
        expect(at(schema, `${PROTOCOL(dir)}.${proto}.destinationPort.range`).required).toEqual([
          'start',
          'end',
        ]);
  });

  it('has tier Admin|Baseline and one action enum Accept|Deny|Pass for both tiers', () => {
    // Upstream v1alpha2 has no per-tier action rule: Pass in Baseline is valid (it
    // skips the rest of the tier and reaches the default allow).
    expect(at(schema, 'spec.tier').enum).toEqual(['Admin', 'Baseline']);
    for (const dir of ['ingress', 'egress'])
      expect(at(schema, `spec.${dir}[].action`).enum).toEqual(['Accept', 'Deny', 'Pass']);
    expect(rules.some((r) => /tier|Pass/.test(r.rule))).toBe(false);
  });

  it.each([
    ['spec.priority', { type: 'integer', format: 'int32', minimum: 0, maximum: 1000 }],
    ['spec.ingress', { type: 'array', maxItems: 25 }],
    ['spec.egress', { type: 'array', maxItems: 25 }],
    ['spec.ingress[].name', { type: 'string', maxLength: 100 }],
    ['spec.egress[].name', { type: 'string', maxLength: 100 }],
    ['spec.ingress[].from', { minItems: 1, maxItems: 25 }],
    ['spec.egress[].to', { minItems: 1, maxItems: 25 }],
    ['spec.ingress[].protocols', { minItems: 1, maxItems: 25 }],
    ['spec.egress[].protocols', { minItems: 1, maxItems: 25 }],
    ['spec.egress[].to[].networks', { minItems: 1, maxItems: 25, 'x-kubernetes-list-type': 'set' }],
    [
      'spec.egress[].to[].domainNames',
      { minItems: 1, maxItems: 25, 'x-kubernetes-list-type': 'set' },
    ],
    ['spec.egress[].protocols[].tcp.destinationPort.number', { minimum: 1, maximum: 65535 }],
    ['spec.ingress[].protocols[].udp.destinationPort.range.start', { minimum: 1, maximum: 65535 }],
    ['spec.egress[].protocols[].sctp.destinationPort.range.end', { minimum: 1, maximum: 65535 }],
    [
      'status.conditions',
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    ],
  ])('bounds %s', (p, want) => {
    expect(at(schema, p)).toMatchObject(want);
  });

  it.each([
    ['spec.subject', ['namespaces', 'pods']],
    [PEER('ingress'), ['namespaces', 'pods']],
    [PEER('egress'), ['namespaces', 'pods', 'nodes', 'networks', 'domainNames']],
    [PROTOCOL('ingress'), ['tcp', 'udp', 'sctp', 'destinationNamedPort']],
    [PROTOCOL('egress'), ['tcp', 'udp', 'sctp', 'destinationNamedPort']],
    [`${PROTOCOL('ingress')}.tcp.destinationPort`, ['number', 'range']],
    [`${PROTOCOL('egress')}.sctp.destinationPort`, ['number', 'range']],
  ])('%s takes exactly one of %j', (p, fields) => {
    const node = at(schema, p);
    expect(Object.keys(node.properties ?? {})).toEqual(fields);
    expect(node).toMatchObject({ type: 'object', minProperties: 1, maxProperties: 1 });
  });

  it('needs at least one field in tcp, udp and sctp', () => {
    for (const dir of ['ingress', 'egress'] as const)
      for (const proto of ['tcp', 'udp', 'sctp'])
        expect(at(schema, `${PROTOCOL(dir)}.${proto}`)).toMatchObject({ minProperties: 1 });
  });

  it('checks port ranges and named ports to networks/nodes/domainNames with the upstream rules', () => {
    const range = at(schema, `${PROTOCOL('egress')}.udp.destinationPort.range`);
    expect(range['x-kubernetes-validations']).toEqual([
      { rule: 'self.start < self.end', message: 'Start port must be less than End port' },
    ]);
    const [egress] = at(schema, 'spec.egress[]')['x-kubernetes-validations'] ?? [];
    expect(egress?.rule).toBe(
      '!(self.to.exists(peer, has(peer.networks) || has(peer.nodes) || has(peer.domainNames)) && has(self.protocols) && self.protocols.exists(protocol, has(protocol.destinationNamedPort)))',
    );
    expect(at(schema, 'spec.ingress[]')['x-kubernetes-validations']).toBeUndefined();
  });

  it('keeps selectors atomic and label-selector shaped', () => {
    const selectors = walk(schema).filter(({ path: p }) =>
      /(subject\.namespaces|\.namespaces|\.nodes|Selector)$/.test(p),
    );
    expect(selectors.length).toBe(10);
    for (const { path: p, node } of selectors) {
      expect(node['x-kubernetes-map-type'], p).toBe('atomic');
      expect(Object.keys(node.properties ?? {}), p).toEqual(['matchLabels', 'matchExpressions']);
      expect(at(schema, `${p}.matchExpressions[]`).required, p).toEqual(['key', 'operator']);
    }
  });
});
