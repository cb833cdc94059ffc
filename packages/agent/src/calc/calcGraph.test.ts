import { describe, expect, it } from 'vitest';
import { canonicalSelector } from '@palisade/model';
import {
  deleted,
  epInput,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  nsInput,
  policyInput,
  withIngress,
  withOrder,
  withSelector,
  withTypes,
} from './testing/builders.js';
import { TEST_NODE as NODE, graph, types } from './testing/graphHarness.js';

const c = canonicalSelector;
const sSet = (sel: string) => ({ kind: 's' as const, identity: c(sel) });

const web = makeEndpoint('ns-a', 'web', { node: NODE, ips: ['10.0.0.1'], labels: { app: 'web' } });
const db = makeEndpoint('ns-a', 'db', {
  node: 'node-2',
  ips: ['10.0.0.2', 'fd00::2'],
  labels: { app: 'db' },
});
const webPolicy = makePolicy(
  'ns-a',
  'allow-db',
  withSelector("pal:namespace == 'ns-a' && app == 'web'"),
  withIngress({
    peers: [{ selector: "pal:namespace == 'ns-a' && app == 'db'" }],
    ports: [{ protocol: 'TCP', port: 5432 }],
  }),
);
const dbSet = sSet("pal:namespace == 'ns-a' && app == 'db'");

describe('CalcGraph', () => {
  it('programs a local endpoint, its policy and the peer set (remote pods included, no EndpointUpdate for them)', () => {
    const { first, g } = graph(
      nsInput(makeNamespace('ns-a')),
      epInput(web),
      epInput(db),
      policyInput(webPolicy),
    );
    expect(first).toEqual([
      { type: 'IpSetUpdate', set: dbSet, members: ['10.0.0.2', 'fd00::2'] },
      {
        type: 'PolicyUpdate',
        policy: { namespace: 'ns-a', name: 'allow-db' },
        inbound: [
          {
            action: 'Allow',
            peers: [{ kind: 'ipset', set: dbSet }],
            ports: [{ kind: 'range', protocol: 'TCP', port: 5432, endPort: 5432 }],
          },
        ],
        outbound: null,
      },
      {
        type: 'EndpointUpdate',
        endpoint: { namespace: 'ns-a', name: 'web' },
        ips: ['10.0.0.1'],
        ingress: { isolated: true, policies: [{ namespace: 'ns-a', name: 'allow-db' }] },
        egress: { isolated: false, policies: [] },
      },
    ]);
    expect(g.stats()).toEqual({
      endpoints: 2,
      localEndpoints: 1,
      policies: 1,
      activePolicies: 1,
      ipsets: 1,
    });
    expect(g.describeIp('fd00::2')).toEqual({ namespace: 'ns-a', name: 'db', node: 'node-2' });
    expect(g.describeIp('10.9.9.9')).toBeNull();
    expect(g.policiesFor({ namespace: 'ns-a', name: 'web' })).toEqual({
      ingress: [{ namespace: 'ns-a', name: 'allow-db' }],
      egress: [],
    });
    expect(g.policiesFor({ namespace: 'ns-a', name: 'db' })).toBeNull();
  });

  it('ignores policies that select no local endpoint', () => {
    const remoteOnly = makePolicy(
      'ns-a',
      'p',
      withSelector("app == 'db'"),
      withIngress({ peers: [{ selector: 'all()' }] }),
    );
    const { first, g } = graph(epInput(db), policyInput(remoteOnly));
    expect(first).toEqual([]);
    expect(g.stats()).toMatchObject({ policies: 1, activePolicies: 0, ipsets: 0 });
  });

  it('treats duplicate updates as no-ops', () => {
    const inputs = [
      nsInput(makeNamespace('ns-a')),
      epInput(web),
      epInput(db),
      policyInput(webPolicy),
    ];
    const { send } = graph(...inputs);
    expect(send(...inputs, ...structuredClone(inputs))).toEqual([]);
  });

  it('moves an endpoint in and out of a namespaceSelector set when namespace labels change', () => {
    const p = makePolicy(
      'ns-a',
      'from-team-x',
      withIngress({ peers: [{ selector: "ns:team == 'x'" }] }),
    );
    const other = makeEndpoint('ns-b', 'other', { node: 'node-2', ips: ['10.0.1.1'] });
    const set = sSet("ns:team == 'x'");
    const { first, send } = graph(
      epInput(web),
      epInput(other),
      nsInput(makeNamespace('ns-b', { team: 'y' })),
      policyInput(p),
    );
    expect(first[0]).toEqual({ type: 'IpSetUpdate', set, members: [] });
    expect(send(nsInput(makeNamespace('ns-b', { team: 'x' })))).toEqual([
      { type: 'IpSetDeltaUpdate', set, added: ['10.0.1.1'], removed: [] },
    ]);
    expect(send(deleted(nsInput(makeNamespace('ns-b'))))).toEqual([
      { type: 'IpSetDeltaUpdate', set, added: [], removed: ['10.0.1.1'] },
    ]);
  });

  it('pod churn that only moves set members emits only IpSetDeltaUpdate', () => {
    const { send } = graph(epInput(web), epInput(db), policyInput(webPolicy));
    const db2 = makeEndpoint('ns-a', 'db-2', {
      node: 'node-3',
      ips: ['10.0.0.3'],
      labels: { app: 'db' },
    });
    const unrelated = makeEndpoint('ns-a', 'x', {
      node: 'node-3',
      ips: ['10.0.0.4'],
      labels: { app: 'x' },
    });
    expect(send(epInput(db2), epInput(unrelated))).toEqual([
      { type: 'IpSetDeltaUpdate', set: dbSet, added: ['10.0.0.3'], removed: [] },
    ]);
    expect(send(deleted(epInput(db)), deleted(epInput(unrelated)))).toEqual([
      { type: 'IpSetDeltaUpdate', set: dbSet, added: [], removed: ['10.0.0.2', 'fd00::2'] },
    ]);
    // A replaced pod: new name, same IP, in one batch.
    const db3 = makeEndpoint('ns-a', 'db-3', {
      node: 'node-2',
      ips: ['10.0.0.3'],
      labels: { app: 'db' },
    });
    expect(send(deleted(epInput(db2)), epInput(db3))).toEqual([]);
  });

  it('an IP change of a local endpoint emits only set deltas and its EndpointUpdate', () => {
    const self = makePolicy(
      'ns-a',
      'self',
      withSelector("app == 'web'"),
      withIngress({ peers: [{ selector: "app == 'web'" }] }),
    );
    const { send } = graph(epInput(web), epInput(db), policyInput(webPolicy), policyInput(self));
    const moved = makeEndpoint('ns-a', 'web', {
      node: NODE,
      ips: ['10.0.0.9'],
      labels: { app: 'web' },
    });
    const msgs = send(epInput(moved));
    expect(types(msgs)).toEqual(['IpSetDeltaUpdate', 'EndpointUpdate']);
    expect(msgs[0]).toEqual({
      type: 'IpSetDeltaUpdate',
      set: sSet("app == 'web'"),
      added: ['10.0.0.9'],
      removed: ['10.0.0.1'],
    });
    expect(msgs[1]).toMatchObject({ type: 'EndpointUpdate', ips: ['10.0.0.9'] });
  });

  it('orders policies by order and name, isolates per type, and confines each policy to its namespace', () => {
    const sel = withSelector("app == 'web'");
    const ps = [
      // Same selector, other namespace: a namespaced policy never selects ns-a's pods.
      makePolicy('ns-b', 'a', sel, withTypes('Egress')),
      makePolicy('ns-b', 'evil', withSelector("pal:namespace == 'ns-a'")),
      makePolicy('ns-a', 'z', sel),
      makePolicy('ns-a', 'b', sel, withOrder(5), withTypes('Ingress', 'Egress')),
      makePolicy('ns-a', 'a', sel),
    ];
    const { g } = graph(epInput(web), ...ps.map(policyInput));
    expect(g.policiesFor({ namespace: 'ns-a', name: 'web' })).toEqual({
      ingress: [
        { namespace: 'ns-a', name: 'b' },
        { namespace: 'ns-a', name: 'a' },
        { namespace: 'ns-a', name: 'z' },
      ],
      egress: [{ namespace: 'ns-a', name: 'b' }],
    });
  });

  it('tears down in reverse order when the last local endpoint leaves', () => {
    const { send, g } = graph(epInput(web), epInput(db), policyInput(webPolicy));
    const gone = makeEndpoint('ns-a', 'web', {
      node: 'node-2',
      ips: ['10.0.0.1'],
      labels: { app: 'web' },
    });
    expect(send(epInput(gone))).toEqual([
      { type: 'EndpointRemove', endpoint: { namespace: 'ns-a', name: 'web' } },
      { type: 'PolicyRemove', policy: { namespace: 'ns-a', name: 'allow-db' } },
      { type: 'IpSetRemove', set: dbSet },
    ]);
    expect(g.stats()).toEqual({
      endpoints: 2,
      localEndpoints: 0,
      policies: 1,
      activePolicies: 0,
      ipsets: 0,
    });
  });

  it('emits nothing for a set created and deleted within one flush', () => {
    const { send } = graph(epInput(web));
    expect(send(policyInput(webPolicy), deleted(policyInput(webPolicy)))).toEqual([]);
  });
});
