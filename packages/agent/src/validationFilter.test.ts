import { describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import {
  agentKey,
  clusterPolicyKey,
  endpointKey,
  LEADER_KEY,
  namespaceKey,
  policyKey,
  type Endpoint,
  type EndpointInput,
  type PolicyInput,
} from '@palisade/model';
import type { SyncUpdate } from '@palisade/datastore';
import { ValidationFilter, type LastGoodStore } from './validationFilter.js';

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

  it('quarantines the IPs of a never-valid local endpoint, and releases them once it reads', () => {
    const { filter, invalid } = setup();
    const key = endpointKey(NODE, 'ns1', 'pod1');
    const out = filter.filter([put(key, makeEndpoint('node-b', 'ns1', 'pod1', '10.0.0.7'))]);
    expect(invalid).toEqual([key]);
    expect(out).toMatchObject([
      {
        kind: 'policy',
        ref: { namespace: 'ns1', name: 'pal:quarantine:pod1' },
        value: {
          spec: {
            selector: "pal:quarantine == 'pod1'",
            types: ['Ingress', 'Egress'],
            ingress: [],
            egress: [],
          },
        },
      },
      {
        kind: 'endpoint',
        ref: { namespace: 'ns1', name: 'pod1' },
        value: { spec: { node: NODE, ips: ['10.0.0.7'], labels: { 'pal:quarantine': 'pod1' } } },
      },
    ]);
    const fixed = filter.filter([put(key, makeEndpoint(NODE, 'ns1', 'pod1', '10.0.0.7'))]);
    expect(fixed).toMatchObject([
      { kind: 'policy', ref: { namespace: 'ns1', name: 'pal:quarantine:pod1' }, value: null },
      { kind: 'endpoint', value: { spec: { labels: { app: 'web' } } } },
    ]);
  });

  it('reports a local endpoint that names no IP without inventing one', () => {
    const { filter, invalid } = setup();
    const key = endpointKey(NODE, 'ns1', 'pod1');
    expect(filter.filter([put(key, '{"spec": {"ips": ["not-an-ip"]}}')])).toEqual([]);
    expect(filter.filter([put(key, '{oops')])).toEqual([]);
    expect(invalid).toEqual([key, key]);
  });

  it('keeps last good values across a restart through the store', () => {
    const saved = new Map<string, Endpoint>();
    const store: LastGoodStore = {
      load: () => new Map(saved),
      set: (k, v) => (v === null ? saved.delete(k) : saved.set(k, v)),
    };
    const key = endpointKey(NODE, 'ns1', 'pod1');
    const remote = endpointKey('node-b', 'ns1', 'pod2');
    const first = new ValidationFilter({ nodeName: NODE, logger: silentLogger(), lastGood: store });
    const [good] = first.filter([
      put(key, makeEndpoint(NODE, 'ns1', 'pod1', '10.0.0.9')),
      put(remote, makeEndpoint('node-b', 'ns1', 'pod2')),
    ]);
    expect([...saved.keys()]).toEqual([key]);
    const restarted = new ValidationFilter({
      nodeName: NODE,
      logger: silentLogger(),
      lastGood: store,
    });
    expect(restarted.filter([put(key, '{"corrupt": true')])).toEqual([good]);
    restarted.filter([del(key)]);
    expect(saved.size).toBe(0);
  });

  it('reads values with fields it does not know (a newer controller)', () => {
    const { filter, invalid } = setup();
    const key = endpointKey(NODE, 'ns1', 'pod1');
    const [input] = filter.filter([
      put(key, { ...makeEndpoint(NODE, 'ns1', 'pod1'), futureField: true }),
    ]);
    expect(input).toMatchObject({ kind: 'endpoint', value: { spec: { ips: ['10.0.0.1'] } } });
    expect(invalid).toEqual([]);
  });

  describe('an unreadable namespace', () => {
    const nsValue = (labels: Record<string, string>) => ({
      apiVersion: 'palisade.io/v1',
      kind: 'Namespace',
      metadata: { name: 'ns1' },
      spec: { labels },
    });

    it('has unknown labels, not empty ones', () => {
      const { filter } = setup();
      expect(filter.filter([put(namespaceKey('ns1'), { kind: 'Namespace' })])).toEqual([
        { kind: 'namespace', name: 'ns1', value: null, unreadable: true },
      ]);
      expect(filter.filter([put(namespaceKey('ns1'), nsValue({ env: 'prod' }))])).toMatchObject([
        { kind: 'namespace', name: 'ns1', value: { spec: { labels: { env: 'prod' } } } },
      ]);
    });

    it("isolates its whole namespace instead of a policy whose selector reads the namespace's labels", () => {
      const { filter } = setup();
      const nsPolicy = makePolicy('ns1', 'p', (p) => (p.spec.selector = "ns:env != 'prod'"));
      const podPolicy = makePolicy('ns1', 'q');
      filter.filter([put(policyKey('ns1', 'p'), nsPolicy), put(policyKey('ns1', 'q'), podPolicy)]);
      const broken = filter.filter([put(namespaceKey('ns1'), '{')]);
      expect(broken).toMatchObject([
        { kind: 'namespace', unreadable: true },
        {
          kind: 'policy',
          ref: { namespace: 'ns1', name: 'p' },
          value: { spec: { selector: "pal:namespace == 'ns1'", ingress: [], egress: [] } },
        },
      ]);
      expect(broken).toHaveLength(2);
      // A policy that arrives meanwhile is contained too.
      expect(filter.filter([put(policyKey('ns1', 'p'), nsPolicy)])).toMatchObject([
        { value: { spec: { selector: "pal:namespace == 'ns1'" } } },
      ]);
      const fixed = filter.filter([put(namespaceKey('ns1'), nsValue({}))]);
      expect(fixed).toMatchObject([
        { kind: 'namespace', value: { spec: { labels: {} } } },
        { kind: 'policy', value: { spec: { selector: "ns:env != 'prod'" } } },
      ]);
    });
  });
});

describe('ValidationFilter: cluster policies', () => {
  const cnp = (name: string, tweak: (s: Record<string, unknown>) => void = () => {}) => {
    const spec: Record<string, unknown> = {
      tier: 'Baseline',
      priority: 7,
      selector: "app == 'web'",
      ingress: [{ name: 'r', action: 'Deny' }],
    };
    tweak(spec);
    return { apiVersion: 'palisade.io/v1', kind: 'ClusterPolicy', metadata: { name }, spec };
  };

  it('passes a valid cluster policy through, and its delete', () => {
    const { filter, invalid } = setup();
    const out = filter.filter([
      put(clusterPolicyKey('c1'), cnp('c1')),
      del(clusterPolicyKey('c2')),
    ]);
    expect(out[0]).toMatchObject({
      kind: 'clusterPolicy',
      name: 'c1',
      value: { spec: { tier: 'Baseline', priority: 7, ingress: [{ peers: [], ports: [] }] } },
    });
    expect(out[1]).toEqual({ kind: 'clusterPolicy', name: 'c2', value: null });
    expect(invalid).toEqual([]);
  });

  it.each([
    ['not JSON', '{oops'],
    ['priority out of range', cnp('bad', (s) => (s.priority = 1001))],
    ['unknown action', cnp('bad', (s) => (s.ingress = [{ name: 'r', action: 'Allow' }]))],
    ['unparsable subject', cnp('bad', (s) => (s.selector = 'app ==='))],
    [
      'unparsable peer selector',
      cnp(
        'bad',
        (s) => (s.egress = [{ name: 'r', action: 'Accept', peers: [{ selector: '((' }] }]),
      ),
    ],
    ['metadata not matching the key', cnp('other')],
  ])('an invalid cluster policy (%s) becomes a first Admin deny-all', (_what, value) => {
    const { filter, invalid } = setup();
    const key = clusterPolicyKey('bad');
    const [input] = filter.filter([put(key, value)]);
    expect(input).toMatchObject({
      kind: 'clusterPolicy',
      name: 'bad',
      value: {
        spec: {
          tier: 'Admin',
          priority: 0,
          selector: 'all()',
          ingress: [{ action: 'Deny', peers: [], ports: [] }],
          egress: [{ action: 'Deny', peers: [], ports: [] }],
        },
      },
    });
    expect(invalid).toEqual([key]);
  });
});

describe('ValidationFilter: cluster policies and an unreadable namespace', () => {
  const cnp = {
    apiVersion: 'palisade.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'c' },
    spec: {
      tier: 'Admin',
      priority: 1,
      selector: "ns:env == 'prod'",
      ingress: [{ name: 'r', action: 'Deny', peers: [{ selector: "ns:team == 'a'" }] }],
    },
  };

  it('re-sends the policy, contained, when a namespace becomes unreadable and again when it reads', () => {
    const { filter } = setup();
    expect(filter.filter([put(clusterPolicyKey('c'), cnp)])).toHaveLength(1);
    const broken = filter.filter([put(namespaceKey('dark'), '{')]);
    expect(broken).toMatchObject([
      { kind: 'namespace', name: 'dark', unreadable: true },
      {
        kind: 'clusterPolicy',
        name: 'c',
        value: {
          spec: {
            ingress: [{ peers: [{ selector: "ns:team == 'a' || pal:namespace == 'dark'" }] }],
          },
        },
      },
      {
        kind: 'clusterPolicy',
        name: 'c!unknown-labels',
        value: { spec: { selector: "pal:namespace == 'dark'", ingress: [{ action: 'Deny' }] } },
      },
    ]);
    const fixed = filter.filter([
      put(namespaceKey('dark'), {
        apiVersion: 'palisade.io/v1',
        kind: 'Namespace',
        metadata: { name: 'dark' },
        spec: { labels: {} },
      }),
    ]);
    expect(fixed).toMatchObject([
      { kind: 'namespace', name: 'dark' },
      {
        kind: 'clusterPolicy',
        name: 'c',
        value: { spec: { ingress: [{ peers: [{ selector: "ns:team == 'a'" }] }] } },
      },
      { kind: 'clusterPolicy', name: 'c!unknown-labels', value: null },
    ]);
  });
});
