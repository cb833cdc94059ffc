import { describe, expect, it } from 'vitest';
import { decodeStoredValue, encodeValue, formatZodError } from './decode.js';
import { agentKey, endpointKey, LEADER_KEY, namespaceKey, policyKey } from './keys.js';
import { EndpointSchema, NamespaceSchema, PolicySchema } from './schema/index.js';
import {
  catchPalisadeError,
  makeAgentStatus,
  makeEndpoint,
  makeNamespace,
  makePolicy,
} from './testing/index.js';

const policy = makePolicy('prod', 'allow-web', {
  ingress: [
    {
      action: 'Allow',
      ports: [{ protocol: 'TCP', port: 80 }],
      peers: [{ selector: "app == 'web'" }],
    },
  ],
});
const endpoint = makeEndpoint('prod', 'web-1', { node: 'node-a', labels: { app: 'web' } });

/** The stored JSON of `value` with one edit applied. */
function edited<T>(value: T, edit: (v: T) => void): string {
  const copy = structuredClone(value);
  edit(copy);
  return JSON.stringify(copy);
}

describe('decodeStoredValue', () => {
  it.each([
    ['policy', policyKey('prod', 'allow-web'), policy],
    ['namespace', namespaceKey('prod'), makeNamespace('prod', { team: 'a' })],
    ['endpoint', endpointKey('node-a', 'prod', 'web-1'), endpoint],
    ['agent', agentKey('node-a'), makeAgentStatus('node-a')],
  ])('decodes a valid %s', (kind, key, value) => {
    const result = decodeStoredValue(key, JSON.stringify(value));
    expect(result).toEqual({
      ok: true,
      kind,
      key,
      parsed: expect.objectContaining({ kind }),
      value,
      ignored: [],
    });
  });

  it('decodes the leader value', () => {
    const leader = {
      apiVersion: 'palisade.io/v1',
      kind: 'Leader',
      holder: 'ctl-1',
      since: '2024-01-01T00:00:00Z',
    };
    expect(decodeStoredValue(LEADER_KEY, JSON.stringify(leader))).toMatchObject({
      ok: true,
      value: leader,
    });
  });

  it('fills schema defaults', () => {
    const raw = JSON.stringify({
      apiVersion: 'palisade.io/v1',
      kind: 'Namespace',
      metadata: { name: 'prod' },
      spec: {},
    });
    expect(decodeStoredValue(namespaceKey('prod'), raw)).toMatchObject({
      ok: true,
      value: { spec: { labels: {} } },
    });
  });

  it('narrows the value type on kind', () => {
    const result = decodeStoredValue(
      endpointKey('node-a', 'prod', 'web-1'),
      JSON.stringify(endpoint),
    );
    if (!result.ok || result.kind !== 'endpoint') throw new Error('expected an endpoint');
    expect(result.value.spec.ips).toEqual(endpoint.spec.ips);
  });

  it.each<[string, string, string, string]>([
    ['malformed key', '/palisade/v1/policy/prod', '{}', 'not a well-formed Palisade key'],
    ['foreign key', '/other/thing', '{}', 'not a well-formed Palisade key'],
    ['invalid JSON', policyKey('prod', 'p'), '{"kind": ', 'invalid JSON: '],
    [
      'JSON that is not an object',
      policyKey('prod', 'p'),
      '[1]',
      'kind: expected "Policy" under a policy key, found none',
    ],
    [
      'wrong kind',
      policyKey('prod', 'allow-web'),
      JSON.stringify(endpoint),
      'kind: expected "Policy" under a policy key, found "Endpoint"',
    ],
    [
      'policy namespace mismatch',
      policyKey('dev', 'allow-web'),
      JSON.stringify(policy),
      'metadata.namespace: "prod" does not match the key ("dev")',
    ],
    [
      'policy name mismatch',
      policyKey('prod', 'other'),
      JSON.stringify(policy),
      'metadata.name: "allow-web" does not match the key ("other")',
    ],
    [
      'namespace name mismatch',
      namespaceKey('dev'),
      JSON.stringify(makeNamespace('prod')),
      'metadata.name: "prod" does not match the key ("dev")',
    ],
    [
      'endpoint node mismatch',
      endpointKey('node-b', 'prod', 'web-1'),
      JSON.stringify(endpoint),
      'spec.node: "node-a" does not match the key ("node-b")',
    ],
    [
      'endpoint pod mismatch',
      endpointKey('node-a', 'prod', 'web-2'),
      JSON.stringify(endpoint),
      'metadata.name: "web-1" does not match the key ("web-2")',
    ],
    [
      'agent node mismatch',
      agentKey('node-b'),
      JSON.stringify(makeAgentStatus('node-a')),
      'metadata.name: "node-a" does not match the key ("node-b")',
    ],
    [
      'endPort below port',
      policyKey('prod', 'allow-web'),
      edited(policy, (p) => {
        p.spec.ingress[0]!.ports.push({ protocol: 'TCP', port: 90, endPort: 85 });
      }),
      'spec.ingress[0].ports[1].endPort: endPort must be >= port',
    ],
    [
      'bad protocol',
      policyKey('prod', 'allow-web'),
      edited(policy, (p) => {
        Object.assign(p.spec.ingress[0]!.ports[0]!, { protocol: 'ICMP' });
      }),
      'spec.ingress[0].ports[0].protocol: Invalid enum value',
    ],
    [
      'bad selector peer (the selector branch of the union is reported)',
      policyKey('prod', 'allow-web'),
      edited(policy, (p) => {
        p.spec.ingress[0]!.peers[0] = { selector: '' };
      }),
      'spec.ingress[0].peers[0].selector: String must contain at least 1 character(s)',
    ],
    [
      'bad CIDR peer (the CIDR branch of the union is reported)',
      policyKey('prod', 'allow-web'),
      edited(policy, (p) => {
        p.spec.ingress[0]!.peers[0] = { cidr: '10.0.0.0/33', except: [] };
      }),
      'spec.ingress[0].peers[0].cidr: Invalid cidr',
    ],
    [
      'missing field',
      endpointKey('node-a', 'prod', 'web-1'),
      edited(endpoint, (e) => Reflect.deleteProperty(e.spec, 'ips')),
      'spec.ips: Required',
    ],
    [
      'an unknown field next to an invalid one (the value stays invalid)',
      namespaceKey('prod'),
      edited(makeNamespace('prod'), (n) =>
        Object.assign(n, { extra: 1, kind: 'Namespace', spec: { labels: 3 } }),
      ),
      'spec.labels: Expected object',
    ],
    [
      'a reserved label key on an endpoint',
      endpointKey('node-a', 'prod', 'web-1'),
      edited(endpoint, (e) => (e.spec.labels = { 'pal:namespace': 'adv' })),
      'spec.labels.pal:namespace: is a reserved label key',
    ],
    [
      'bad IP',
      endpointKey('node-a', 'prod', 'web-1'),
      edited(endpoint, (e) => (e.spec.ips = ['10.0.0.300'])),
      'spec.ips[0]: Invalid ip',
    ],
  ])('reports %s', (_name, key, raw, error) => {
    const result = decodeStoredValue(key, raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.key).toBe(key);
    expect(result.error).toContain(error);
  });

  describe('unknown fields (a newer writer, same apiVersion)', () => {
    it.each([
      [
        'top level',
        namespaceKey('prod'),
        edited(makeNamespace('prod'), (n) => Object.assign(n, { futureField: true })),
        ['futureField'],
      ],
      [
        'in spec',
        endpointKey('node-a', 'prod', 'web-1'),
        edited(endpoint, (e) => Object.assign(e.spec, { futureField: { a: 1 } })),
        ['spec.futureField'],
      ],
      [
        'inside a union branch and in metadata',
        policyKey('prod', 'allow-web'),
        edited(policy, (p) => {
          Object.assign(p.spec.ingress[0]!.peers[0]!, { weight: 3 });
          Object.assign(p.metadata, { generation: 2 });
        }),
        ['metadata.generation', 'spec.ingress[0].peers[0].weight'],
      ],
    ])('are ignored when reading: %s', (_name, key, raw, ignored) => {
      const result = decodeStoredValue(key, raw);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect([...result.ignored].sort()).toEqual(ignored);
      const strictKeys = JSON.stringify(result.value);
      expect(strictKeys).not.toMatch(/futureField|weight|generation/);
    });

    it('are still refused when writing', () => {
      expect(
        catchPalisadeError(() =>
          encodeValue(NamespaceSchema, { ...makeNamespace('prod'), futureField: true } as never),
        ).message,
      ).toContain("Unrecognized key(s) in object: 'futureField'");
    });
  });

  it('lists every problem', () => {
    const raw = edited(endpoint, (e) => {
      e.spec.ips = [];
      e.spec.ports = [{ name: 'HTTP', protocol: 'TCP', port: 0 }];
    });
    const result = decodeStoredValue(endpointKey('node-a', 'prod', 'web-1'), raw);
    expect(result.ok ? '' : result.error.split('; ')).toEqual([
      'spec.ips: Array must contain at least 1 element(s)',
      'spec.ports[0].name: must be an IANA service name',
      'spec.ports[0].port: Number must be greater than or equal to 1',
    ]);
  });
});

describe('formatZodError', () => {
  it('names the root as "value"', () => {
    const result = NamespaceSchema.safeParse('nope');
    expect(result.success ? '' : formatZodError(result.error)).toBe(
      'value: Expected object, received string',
    );
  });
});

describe('encodeValue', () => {
  it('writes 2-space indented JSON that decodes back to the value', () => {
    const text = encodeValue(PolicySchema, policy);
    expect(text).toContain('\n  "kind": "Policy",\n');
    expect(decodeStoredValue(policyKey('prod', 'allow-web'), text)).toMatchObject({
      ok: true,
      value: policy,
    });
  });

  it('is stable: label order and input key order do not change the text', () => {
    const a = makeEndpoint('prod', 'web-1', { labels: { b: '2', a: '1', 'example.com/c': '3' } });
    const b = makeEndpoint('prod', 'web-1', { labels: { 'example.com/c': '3', a: '1', b: '2' } });
    const reordered = {
      spec: b.spec,
      metadata: b.metadata,
      kind: b.kind,
      apiVersion: b.apiVersion,
    };
    expect(encodeValue(EndpointSchema, a)).toBe(encodeValue(EndpointSchema, reordered));
    expect(encodeValue(EndpointSchema, a).indexOf('"a"')).toBeLessThan(
      encodeValue(EndpointSchema, a).indexOf('"b"'),
    );
  });

  it('keeps the schema field order (apiVersion, kind, metadata, spec)', () => {
    const text = encodeValue(NamespaceSchema, makeNamespace('prod'));
    expect(text).toBe(
      '{\n  "apiVersion": "palisade.io/v1",\n  "kind": "Namespace",\n  "metadata": {\n    "name": "prod"\n  },\n  "spec": {\n    "labels": {}\n  }\n}',
    );
  });

  it('refuses an invalid value naming the field', () => {
    const bad = { ...endpoint, spec: { ...endpoint.spec, ips: ['nope'] } };
    const err = catchPalisadeError(() => encodeValue(EndpointSchema, bad), 'INVALID_VALUE');
    expect(err.message).toContain('spec.ips[0]: Invalid ip');
  });
});
