/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- assertions on arbitrary JSON answers */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import { call, makeNamespace, makeNetworkPolicy, netpolPath } from './testing/client.js';

let api: KubeApi;

beforeAll(async () => {
  api = await startKubeApi();
  await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('v'));
});

afterAll(async () => {
  await api.stop();
});

type Tweak = (np: any) => void;
const spec =
  (s: object): Tweak =>
  (np) =>
    Object.assign(np.spec, s);
const ingressPorts = (...ports: object[]): Tweak => spec({ ingress: [{ ports }] });
const egressPeers = (...to: object[]): Tweak => spec({ egress: [{ to }] });
const ipBlock = (cidr: string, ...except: string[]): Tweak =>
  egressPeers({ ipBlock: { cidr, except } });

const invalidCases: [string, Tweak, [string, string][]][] = [
  [
    'label key with two slashes',
    spec({ podSelector: { matchLabels: { 'a/b/c': 'x' } } }),
    [['spec.podSelector.matchLabels', 'FieldValueInvalid']],
  ],
  [
    'label key name too long',
    spec({ podSelector: { matchLabels: { ['k'.repeat(64)]: 'x' } } }),
    [['spec.podSelector.matchLabels', 'FieldValueInvalid']],
  ],
  [
    'label key bad prefix',
    spec({ podSelector: { matchLabels: { 'Foo_.com/x': 'x' } } }),
    [['spec.podSelector.matchLabels', 'FieldValueInvalid']],
  ],
  [
    'label value too long',
    spec({ podSelector: { matchLabels: { k: 'v'.repeat(64) } } }),
    [['spec.podSelector.matchLabels', 'FieldValueInvalid']],
  ],
  [
    'label value bad chars',
    spec({ podSelector: { matchLabels: { k: '-v' } } }),
    [['spec.podSelector.matchLabels', 'FieldValueInvalid']],
  ],
  [
    'unknown operator',
    spec({ podSelector: { matchExpressions: [{ key: 'k', operator: 'Foo', values: ['a'] }] } }),
    [['spec.podSelector.matchExpressions[0].operator', 'FieldValueInvalid']],
  ],
  [
    'In without values',
    spec({ podSelector: { matchExpressions: [{ key: 'k', operator: 'In', values: [] }] } }),
    [['spec.podSelector.matchExpressions[0].values', 'FieldValueRequired']],
  ],
  [
    'Exists with values',
    spec({ podSelector: { matchExpressions: [{ key: 'k', operator: 'Exists', values: ['a'] }] } }),
    [['spec.podSelector.matchExpressions[0].values', 'FieldValueForbidden']],
  ],
  [
    'bad expression value',
    spec({
      podSelector: {
        matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['ok', 'no way'] }],
      },
    }),
    [['spec.podSelector.matchExpressions[0].values[1]', 'FieldValueInvalid']],
  ],
  [
    'bad expression key in a namespaceSelector peer',
    spec({
      ingress: [
        { from: [{ namespaceSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }] },
      ],
    }),
    // Upstream reports both "name part must be non-empty" and the regex error.
    [
      ['spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].key', 'FieldValueInvalid'],
      ['spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].key', 'FieldValueInvalid'],
    ],
  ],
  [
    'unknown policyType',
    spec({ policyTypes: ['Ingress', 'Sideways'] }),
    [['spec.policyTypes[1]', 'FieldValueNotSupported']],
  ],
  [
    'three policyTypes',
    spec({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }),
    [['spec.policyTypes', 'FieldValueInvalid']],
  ],
  [
    'protocol ICMP',
    ingressPorts({ protocol: 'ICMP', port: 80 }),
    [['spec.ingress[0].ports[0].protocol', 'FieldValueNotSupported']],
  ],
  ['port 0', ingressPorts({ port: 0 }), [['spec.ingress[0].ports[0].port', 'FieldValueInvalid']]],
  [
    'port 65536',
    ingressPorts({ port: 65536 }),
    [['spec.ingress[0].ports[0].port', 'FieldValueInvalid']],
  ],
  [
    'named port with uppercase',
    ingressPorts({ port: 'HTTP' }),
    [['spec.ingress[0].ports[0].port', 'FieldValueInvalid']],
  ],
  [
    'named port too long',
    ingressPorts({ port: 'abcdefghijklmnop' }),
    [['spec.ingress[0].ports[0].port', 'FieldValueInvalid']],
  ],
  [
    'named port with double hyphen',
    ingressPorts({ port: 'a--b' }),
    [['spec.ingress[0].ports[0].port', 'FieldValueInvalid']],
  ],
  [
    'numeric string port',
    ingressPorts({ port: '80' }),
    [['spec.ingress[0].ports[0].port', 'FieldValueInvalid']],
  ],
  [
    'endPort below port',
    ingressPorts({ port: 90, endPort: 80 }),
    [['spec.ingress[0].ports[0].endPort', 'FieldValueInvalid']],
  ],
  [
    'endPort out of range',
    ingressPorts({ port: 90, endPort: 70000 }),
    [['spec.ingress[0].ports[0].endPort', 'FieldValueInvalid']],
  ],
  [
    'endPort with named port',
    ingressPorts({ port: 'http', endPort: 90 }),
    [['spec.ingress[0].ports[0].endPort', 'FieldValueInvalid']],
  ],
  [
    'endPort without port',
    ingressPorts({ endPort: 90 }),
    [['spec.ingress[0].ports[0].endPort', 'FieldValueInvalid']],
  ],
  ['empty peer', egressPeers({}), [['spec.egress[0].to[0]', 'FieldValueRequired']]],
  [
    'ipBlock with namespaceSelector',
    egressPeers({ ipBlock: { cidr: '10.0.0.0/8' }, namespaceSelector: {} }),
    [['spec.egress[0].to[0]', 'FieldValueForbidden']],
  ],
  [
    'ipBlock without cidr',
    egressPeers({ ipBlock: {} }),
    [['spec.egress[0].to[0].ipBlock.cidr', 'FieldValueRequired']],
  ],
  [
    'ipBlock cidr not a CIDR',
    ipBlock('10.0.0.0'),
    [['spec.egress[0].to[0].ipBlock.cidr', 'FieldValueInvalid']],
  ],
  [
    'ipBlock prefix too long',
    ipBlock('10.0.0.0/33'),
    [['spec.egress[0].to[0].ipBlock.cidr', 'FieldValueInvalid']],
  ],
  [
    'except equal to cidr',
    ipBlock('10.0.0.0/8', '10.0.0.0/8'),
    [['spec.egress[0].to[0].ipBlock.except[0]', 'FieldValueInvalid']],
  ],
  [
    'except outside cidr',
    ipBlock('10.0.0.0/8', '10.1.0.0/16', '11.0.0.0/16'),
    [['spec.egress[0].to[0].ipBlock.except[1]', 'FieldValueInvalid']],
  ],
  [
    'except of another family',
    ipBlock('10.0.0.0/8', 'fd00::/64'),
    [['spec.egress[0].to[0].ipBlock.except[0]', 'FieldValueInvalid']],
  ],
  [
    'except not a CIDR',
    ipBlock('fd00::/48', 'fd00::1'),
    [['spec.egress[0].to[0].ipBlock.except[0]', 'FieldValueInvalid']],
  ],
  ['bad name', (np) => (np.metadata.name = 'Bad_Name'), [['metadata.name', 'FieldValueInvalid']]],
  [
    'several errors at once',
    spec({ ingress: [{ ports: [{ port: 0, protocol: 'FOO' }], from: [{}] }] }),
    [
      ['spec.ingress[0].ports[0].protocol', 'FieldValueNotSupported'],
      ['spec.ingress[0].ports[0].port', 'FieldValueInvalid'],
      ['spec.ingress[0].from[0]', 'FieldValueRequired'],
    ],
  ],
];

const validCases: [string, Tweak][] = [
  ['empty spec', () => undefined],
  ['named port', ingressPorts({ port: 'http-alt', protocol: 'UDP' })],
  ['port range', ingressPorts({ port: 80, endPort: 90, protocol: 'SCTP' })],
  ['endPort equal to port', ingressPorts({ port: 80, endPort: 80 })],
  ['IPv6 ipBlock with except', ipBlock('fd00::/48', 'fd00:0:0:1::/64')],
  ['IPv4 cidr with host bits set (accepted by v1.32)', ipBlock('10.0.0.1/8', '10.1.2.0/24')],
  [
    'pod and namespace selector together',
    egressPeers({ podSelector: { matchLabels: { a: 'b' } }, namespaceSelector: {} }),
  ],
  [
    'prefixed label keys and empty value',
    spec({ podSelector: { matchLabels: { 'example.com/role': '' } } }),
  ],
  ['Egress-only policyTypes', spec({ policyTypes: ['Egress'] })],
];

describe('NetworkPolicy validation (422 Invalid, as pkg/apis/networking/validation)', () => {
  it.each(invalidCases)('rejects %s', async (_name, tweak, want) => {
    const r = await call(api.url, 'POST', netpolPath('v'), makeNetworkPolicy('x', 'v', tweak));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      details: { kind: 'NetworkPolicy', group: 'networking.k8s.io' },
    });
    expect(r.body.message).toMatch(/^NetworkPolicy\.networking\.k8s\.io ".*" is invalid: /);
    expect(r.body.details.causes.map((c: any) => [c.field, c.reason])).toEqual(want);
  });

  it.each(validCases)('accepts %s', async (name, tweak) => {
    const id = name
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .replace(/^-|-$/g, '');
    const r = await call(api.url, 'POST', netpolPath('v'), makeNetworkPolicy(id, 'v', tweak));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });

  it('validates updates too, with a single-cause message', async () => {
    const created = await call(api.url, 'POST', netpolPath('v'), makeNetworkPolicy('upd', 'v'));
    const bad = {
      ...created.body,
      spec: { ...created.body.spec, ingress: [{ ports: [{ port: 80, endPort: 79 }] }] },
    };
    const r = await call(api.url, 'PUT', `${netpolPath('v')}/upd`, bad);
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'NetworkPolicy.networking.k8s.io "upd" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 79: must be greater than or equal to `port`',
    );
  });
});

describe('NetworkPolicy defaults (as pkg/apis/networking/v1/defaults.go)', () => {
  const cases: [string, Tweak, string[], unknown][] = [
    ['no rules', () => undefined, ['Ingress'], undefined],
    [
      'ingress only',
      ingressPorts({ port: 80 }),
      ['Ingress'],
      [{ ports: [{ port: 80, protocol: 'TCP' }] }],
    ],
    ['egress present', egressPeers({ podSelector: {} }), ['Ingress', 'Egress'], undefined],
    ['explicit Egress kept', spec({ policyTypes: ['Egress'], ingress: [{}] }), ['Egress'], [{}]],
  ];
  it.each(cases)('%s', async (name, tweak, types, ingress) => {
    const id = `d-${name.replace(/\s+/g, '-').toLowerCase()}`;
    const r = await call(api.url, 'POST', netpolPath('v'), makeNetworkPolicy(id, 'v', tweak));
    expect(r.status).toBe(201);
    expect(r.body.spec.policyTypes).toEqual(types);
    expect(r.body.spec.ingress).toEqual(ingress);
    expect(r.body.metadata).toMatchObject({
      generation: 1,
      uid: expect.any(String),
      creationTimestamp: expect.any(String),
    });
  });
});
