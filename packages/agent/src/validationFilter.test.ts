import { describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import {
  agentKey,
  endpointKey,
  LEADER_KEY,
  namespaceKey,
  policyKey,
  type EndpointInput,
  type PolicyInput,
} from '@palisade/model';
import type { SyncUpdate } from '@palisade/datastore';
import { ValidationFilter } from './validationFilter.js';

const NODE = 'node-a';

function makePolicy(
  ns: string,
  name: string,
  ...tweaks: ((p: PolicyInput) => void)[]
): PolicyInput {
  const p: PolicyInput = {
    apiVersion: 'palisade.io/v1',
    kind: 'Policy',
    metadata: { namespace: ns, name },
    spec: {
      selector: "app == 'web'",
      types: ['Ingress'],
      ingress: [{ peers: [{ selector: "role == 'x'" }] }],
    },
  };
  tweaks.forEach((t) => t(p));
  return p;
}

function makeEndpoint(node: string, ns: string, name: string, ip = '10.0.0.1'): EndpointInput {
  return {
    apiVersion: 'palisade.io/v1',
    kind: 'Endpoint',
    metadata: { namespace: ns, name },
    spec: { node, ips: [ip], labels: { app: 'web' } },
  };
}

const put = (key: string, value: unknown): SyncUpdate => ({
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  modRevision: '5',
});
const del = (key: string): SyncUpdate => ({ key, value: null, modRevision: '6' });

function setup() {
  const invalid: string[] = [];
  const filter = new ValidationFilter({
    nodeName: NODE,
    logger: silentLogger(),
    onInvalid: (_k, key) => invalid.push(key),
  });
  return { filter, invalid };
}

describe('ValidationFilter', () => {
  it('passes valid values through with defaults applied', () => {
    const { filter, invalid } = setup();
    const out = filter.filter([
      put(policyKey('ns1', 'p1'), makePolicy('ns1', 'p1')),
      put(endpointKey(NODE, 'ns1', 'pod1'), makeEndpoint(NODE, 'ns1', 'pod1')),
      put(namespaceKey('ns1'), {
        apiVersion: 'palisade.io/v1',
        kind: 'Namespace',
        metadata: { name: 'ns1' },
        spec: { labels: { a: 'b' } },
      }),
      del(policyKey('ns1', 'gone')),
    ]);
    expect(out.map((i) => i.kind)).toEqual(['policy', 'endpoint', 'namespace', 'policy']);
    expect(out[0]).toMatchObject({
      kind: 'policy',
      ref: { namespace: 'ns1', name: 'p1' },
      value: { spec: { order: 1000 } },
    });
    expect(out[3]).toEqual({
      kind: 'policy',
      ref: { namespace: 'ns1', name: 'gone' },
      value: null,
    });
    expect(invalid).toEqual([]);
    expect(filter.invalidKeys()).toEqual({});
  });

  it('ignores keys the calc graph does not consume', () => {
    const { filter, invalid } = setup();
    const out = filter.filter([
      put(agentKey('node-b'), 'garbage'),
      put(LEADER_KEY, 'x'),
      put('/palisade/v1/other/x', '{}'),
      put('/elsewhere', '{}'),
    ]);
    expect(out).toEqual([]);
    expect(invalid).toEqual([]);
  });

  it.each([
    ['not JSON', '{oops'],
    ['schema violation', makePolicy('ns1', 'bad', (p) => (p.spec.types = []))],
    ['unparsable selector', makePolicy('ns1', 'bad', (p) => (p.spec.selector = 'app ==='))],
    [
      'unparsable peer selector',
      makePolicy('ns1', 'bad', (p) => (p.spec.ingress = [{ peers: [{ selector: '((' }] }])),
    ],
    ['metadata not matching the key', makePolicy('ns2', 'bad')],
  ])('an invalid policy (%s) isolates its whole namespace', (_what, value) => {
    const { filter, invalid } = setup();
    const key = policyKey('ns1', 'bad');
    const [input] = filter.filter([put(key, value)]);
    expect(input).toMatchObject({
      kind: 'policy',
      ref: { namespace: 'ns1', name: 'bad' },
      value: {
        spec: {
          selector: "pal:namespace == 'ns1'",
          types: ['Ingress', 'Egress'],
          ingress: [],
          egress: [],
        },
      },
    });
    expect(invalid).toEqual([key]);
    expect(Object.keys(filter.invalidKeys())).toEqual([key]);
  });

  it('clears an invalid key once it is fixed or deleted', () => {
    const { filter } = setup();
    const k1 = policyKey('ns1', 'a');
    const k2 = policyKey('ns1', 'b');
    filter.filter([put(k1, '{'), put(k2, '{')]);
    expect(Object.keys(filter.invalidKeys())).toEqual([k1, k2]);
    filter.filter([put(k1, makePolicy('ns1', 'a')), del(k2)]);
    expect(filter.invalidKeys()).toEqual({});
  });

  it('drops an invalid remote endpoint from the graph', () => {
    const { filter } = setup();
    const key = endpointKey('node-b', 'ns1', 'pod1');
    filter.filter([put(key, makeEndpoint('node-b', 'ns1', 'pod1'))]);
    expect(filter.filter([put(key, '{')])).toEqual([
      { kind: 'endpoint', ref: { namespace: 'ns1', name: 'pod1' }, value: null },
    ]);
  });

  it('keeps the last good value of an invalid local endpoint', () => {
    const { filter } = setup();
    const key = endpointKey(NODE, 'ns1', 'pod1');
    const [good] = filter.filter([put(key, makeEndpoint(NODE, 'ns1', 'pod1', '10.0.0.9'))]);
    const [kept] = filter.filter([
      put(key, { ...makeEndpoint(NODE, 'ns1', 'pod1'), spec: { ips: [] } }),
    ]);
    expect(kept).toEqual(good);
    expect(Object.keys(filter.invalidKeys())).toEqual([key]);
  });

  it('reports a never-valid local endpoint without inventing one', () => {
    const { filter, invalid } = setup();
    const key = endpointKey(NODE, 'ns1', 'pod1');
    expect(filter.filter([put(key, makeEndpoint('node-b', 'ns1', 'pod1'))])).toEqual([]);
    expect(invalid).toEqual([key]);
  });

  it('treats an invalid namespace as having no labels', () => {
    const { filter } = setup();
    const [input] = filter.filter([put(namespaceKey('ns1'), { kind: 'Namespace' })]);
    expect(input).toMatchObject({
      kind: 'namespace',
      name: 'ns1',
      value: { spec: { labels: {} } },
    });
  });
});
