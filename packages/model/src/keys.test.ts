import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agentKey,
  buildKey,
  endpointKey,
  endpointNodePrefix,
  LEADER_KEY,
  namespaceKey,
  parseKey,
  policyKey,
} from './keys.js';
import type { ParsedKey } from './keys.js';
import { catchPalisadeError } from './testing/index.js';

describe('keys', () => {
  it.each<[ParsedKey, string]>([
    [
      { kind: 'policy', namespace: 'prod', name: 'allow-web' },
      '/palisade/v1/policy/prod/allow-web',
    ],
    [{ kind: 'policy', namespace: 'a', name: 'x.y.z' }, '/palisade/v1/policy/a/x.y.z'],
    [{ kind: 'namespace', name: 'kube-system' }, '/palisade/v1/namespace/kube-system'],
    [
      { kind: 'endpoint', node: 'node-1.example.com', namespace: 'prod', name: 'web-7d9f-x2' },
      '/palisade/v1/endpoint/node-1.example.com/prod/web-7d9f-x2',
    ],
    [{ kind: 'agent', node: 'node-1' }, '/palisade/v1/agent/node-1'],
    [{ kind: 'leader' }, '/palisade/v1/controller/leader'],
  ])('%j ⇄ %s', (parsed, key) => {
    expect(buildKey(parsed)).toBe(key);
    expect(parseKey(key)).toEqual(parsed);
  });

  it('builds keys with the per-kind helpers', () => {
    expect(policyKey('prod', 'p')).toBe('/palisade/v1/policy/prod/p');
    expect(namespaceKey('prod')).toBe('/palisade/v1/namespace/prod');
    expect(endpointKey('n1', 'prod', 'pod')).toBe('/palisade/v1/endpoint/n1/prod/pod');
    expect(endpointNodePrefix('n1')).toBe('/palisade/v1/endpoint/n1/');
    expect(agentKey('n1')).toBe('/palisade/v1/agent/n1');
    expect(LEADER_KEY).toBe('/palisade/v1/controller/leader');
  });

  it.each([
    ['', 'empty'],
    ['/palisade/v1/', 'root only'],
    ['/palisade/v1/policy/prod', 'missing segment'],
    ['/palisade/v1/policy/prod/p/extra', 'extra segment'],
    ['/palisade/v1/policy/prod/p/', 'trailing slash'],
    ['/palisade/v1/policy//p', 'empty segment'],
    ['/palisade/v1/policy/Prod/p', 'uppercase namespace'],
    ['/palisade/v1/policy/prod/P', 'uppercase name'],
    ['/palisade/v1/policy/pro_d/p', 'underscore'],
    ['/palisade/v1/policy/prod.x/p', 'dot in a namespace (a label, not a subdomain)'],
    ['/palisade/v1/policy/-prod/p', 'leading dash'],
    ['/palisade/v1/policy/prod-/p', 'trailing dash'],
    [`/palisade/v1/policy/${'a'.repeat(64)}/p`, 'namespace longer than 63'],
    [`/palisade/v1/policy/prod/${'a'.repeat(254)}`, 'name longer than 253'],
    ['/palisade/v1/namespace/prod/x', 'namespace with extra segment'],
    ['/palisade/v1/endpoint/node/prod', 'endpoint missing pod'],
    ['/palisade/v1/endpoint/node/prod/pod/x', 'endpoint extra segment'],
    ['/palisade/v1/endpoint/No.de/prod/pod', 'uppercase node'],
    ['/palisade/v1/agent/', 'agent without node'],
    ['/palisade/v1/agent/node/x', 'agent extra segment'],
    ['/palisade/v1/controller/leader/1234', 'leader candidate key'],
    ['/palisade/v1/controller/other', 'unknown controller key'],
    ['/palisade/v2/policy/prod/p', 'wrong version'],
    ['palisade/v1/policy/prod/p', 'no leading slash'],
    ['/calico/v1/policy/prod/p', 'wrong prefix'],
    ['/palisade/v1/pods/prod/p', 'unknown kind'],
    ['/PALISADE/v1/policy/prod/p', 'uppercase prefix'],
  ])('rejects %j (%s)', (key) => {
    expect(parseKey(key)).toBeNull();
  });

  it.each<[string, () => string, string]>([
    ['uppercase namespace', () => policyKey('Prod', 'p'), 'namespace'],
    ['slash in name', () => policyKey('prod', 'a/b'), 'name'],
    ['empty name', () => namespaceKey(''), 'namespace'],
    ['bad node', () => endpointKey('node_1', 'prod', 'p'), 'node'],
    ['bad pod', () => endpointKey('n', 'prod', 'P'), 'name'],
    ['bad agent node', () => agentKey('a/b'), 'node'],
  ])('refuses to build a key with %s', (_name, build, field) => {
    const err = catchPalisadeError(build, 'INVALID_INPUT');
    expect(Object.keys(err.fields)).toEqual([field]);
  });

  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
  const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
  const parsedArb: fc.Arbitrary<ParsedKey> = fc.oneof(
    fc.record({ kind: fc.constant('policy' as const), namespace: label, name: subdomain }),
    fc.record({ kind: fc.constant('namespace' as const), name: label }),
    fc.record({
      kind: fc.constant('endpoint' as const),
      node: subdomain,
      namespace: label,
      name: subdomain,
    }),
    fc.record({ kind: fc.constant('agent' as const), node: subdomain }),
  );

  it('round-trips every valid key', () => {
    fc.assert(
      fc.property(parsedArb, (parsed) => {
        expect(parseKey(buildKey(parsed))).toEqual(parsed);
      }),
    );
  });
});
