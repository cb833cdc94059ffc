import { describe, expect, it } from 'vitest';
import { canonicalSelector } from '@palisade/model';
import type { CalcMessage } from '../messages.js';
import { CalcGraph, type CalcInput } from './index.js';
import {
  deleted,
  epInput,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  nsInput,
  policyInput,
  withEgress,
  withError,
  withIngress,
  withOrder,
  withSelector,
  withTypes,
} from './testing/builders.js';

const NODE = 'node-1';
const c = canonicalSelector;
const sSet = (sel: string) => ({ kind: 's' as const, identity: c(sel) });

function graph(...inputs: CalcInput[]): {
  g: CalcGraph;
  first: CalcMessage[];
  send: (...i: CalcInput[]) => CalcMessage[];
} {
  const g = new CalcGraph({ nodeName: NODE });
  const send = (...i: CalcInput[]): CalcMessage[] => {
    i.forEach((x) => g.onUpdate(x));
    return g.flush();
  };
  return { g, first: send(...inputs), send };
}
const types = (msgs: CalcMessage[]): string[] => msgs.map((m) => m.type);

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

  it('resolves named ports on the policy endpoints for ingress and on the peers for egress', () => {
    const ports = [
      { name: 'http', protocol: 'TCP' as const, port: 8080 },
      { name: 'dns', protocol: 'UDP' as const, port: 53 },
    ];
    const local = makeEndpoint('ns-a', 'web', {
      node: NODE,
      ips: ['10.0.0.1'],
      labels: { app: 'web' },
      ports,
    });
    const remote = makeEndpoint('ns-a', 'web-2', {
      node: 'node-2',
      ips: ['10.0.0.2'],
      labels: { app: 'web' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    });
    const dns = makeEndpoint('kube-system', 'dns', {
      node: 'node-2',
      ips: ['10.0.9.9', 'fd00::9'],
      labels: { app: 'dns' },
      ports,
    });
    const p = makePolicy(
      'ns-a',
      'named',
      withSelector("app == 'web'"),
      withTypes('Ingress', 'Egress'),
      withIngress({ ports: [{ protocol: 'TCP', port: 'http' }] }),
      withEgress(
        {
          peers: [{ selector: "app == 'dns'" }],
          ports: [
            { protocol: 'UDP', port: 'dns' },
            { protocol: 'TCP', port: 'dns' },
          ],
        },
        { ports: [{ protocol: 'TCP', port: 'http' }] },
      ),
    );
    const { first } = graph(epInput(local), epInput(remote), epInput(dns), policyInput(p));
    const ingressSet = { kind: 'n' as const, identity: `dst|${c("app == 'web'")}|TCP|http` };
    const udpDns = { kind: 'n' as const, identity: `${c("app == 'dns'")}|UDP|dns` };
    const tcpDns = { kind: 'n' as const, identity: `${c("app == 'dns'")}|TCP|dns` };
    const allHttp = { kind: 'n' as const, identity: 'all()|TCP|http' };
    const sets = Object.fromEntries(
      first.flatMap((m) => (m.type === 'IpSetUpdate' ? [[m.set.identity, m.members]] : [])),
    );
    expect(sets).toEqual({
      [ingressSet.identity]: ['10.0.0.1,tcp:8080', '10.0.0.2,tcp:80'],
      [udpDns.identity]: ['10.0.9.9,udp:53', 'fd00::9,udp:53'],
      [tcpDns.identity]: [],
      [allHttp.identity]: [
        '10.0.0.1,tcp:8080',
        '10.0.0.2,tcp:80',
        '10.0.9.9,tcp:8080',
        'fd00::9,tcp:8080',
      ],
      [c("app == 'dns'")]: ['10.0.9.9', 'fd00::9'],
    });
    const update = first.find((m) => m.type === 'PolicyUpdate');
    expect(update).toMatchObject({
      inbound: [{ peers: null, ports: [{ kind: 'named', protocol: 'TCP', set: ingressSet }] }],
      outbound: [
        {
          peers: [{ kind: 'ipset', set: sSet("app == 'dns'") }],
          ports: [
            { kind: 'named', protocol: 'UDP', set: udpDns },
            { kind: 'named', protocol: 'TCP', set: tcpDns },
          ],
        },
        { peers: null, ports: [{ kind: 'named', protocol: 'TCP', set: allHttp }] },
      ],
    });
  });

  it('a policy with an error isolates its endpoints without allowing anything', () => {
    const broken = makePolicy(
      'ns-a',
      'broken',
      withTypes('Ingress', 'Egress'),
      withError,
      withIngress({ peers: [{ selector: 'all()' }] }),
    );
    const { first, g } = graph(epInput(web), policyInput(broken));
    expect(first).toEqual([
      {
        type: 'PolicyUpdate',
        policy: { namespace: 'ns-a', name: 'broken' },
        inbound: [],
        outbound: [],
      },
      {
        type: 'EndpointUpdate',
        endpoint: { namespace: 'ns-a', name: 'web' },
        ips: ['10.0.0.1'],
        ingress: { isolated: true, policies: [{ namespace: 'ns-a', name: 'broken' }] },
        egress: { isolated: true, policies: [{ namespace: 'ns-a', name: 'broken' }] },
      },
    ]);
    expect(g.stats().ipsets).toBe(0);
  });

  it('fails closed on selectors that do not parse', () => {
    const badSelector = makePolicy(
      'ns-a',
      'bad',
      withSelector('app ==='),
      withIngress({ peers: [{ selector: 'all()' }] }),
    );
    const badPeer = makePolicy('ns-b', 'bad-peer', withIngress({ peers: [{ selector: '((' }] }));
    const other = makeEndpoint('ns-b', 'other', { node: NODE, ips: ['10.0.1.1'] });
    const { g, first } = graph(
      epInput(web),
      epInput(other),
      policyInput(badSelector),
      policyInput(badPeer),
    );
    // The unparseable policy selector falls back to its whole namespace.
    expect(g.policiesFor({ namespace: 'ns-a', name: 'web' })?.ingress).toEqual([
      { namespace: 'ns-a', name: 'bad' },
    ]);
    expect(
      first.find((m) => m.type === 'PolicyUpdate' && m.policy.name === 'bad-peer'),
    ).toMatchObject({
      inbound: [{ peers: [], ports: null }],
    });
  });

  it('orders policies by order, namespace, name and isolates per type', () => {
    const sel = withSelector("app == 'web'");
    const ps = [
      makePolicy('ns-b', 'a', sel, withTypes('Egress')),
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
      egress: [
        { namespace: 'ns-a', name: 'b' },
        { namespace: 'ns-b', name: 'a' },
      ],
    });
  });

  it('renders IP blocks: plain CIDRs inline, excepts as a shared nomatch set', () => {
    const block = { cidr: '10.0.0.0/8', except: ['10.2.0.0/16', '10.1.0.0/16'] };
    const p1 = makePolicy(
      'ns-a',
      'p1',
      withIngress({ peers: [block, { cidr: '192.168.0.0/16', except: [] }] }),
    );
    const p2 = makePolicy(
      'ns-a',
      'p2',
      withIngress({ peers: [{ ...block, except: ['10.1.0.0/16', '10.2.0.0/16'] }] }),
    );
    const cSet = { kind: 'c' as const, identity: '10.0.0.0/8|10.1.0.0/16,10.2.0.0/16' };
    const { first, send } = graph(epInput(web), policyInput(p1), policyInput(p2));
    expect(first.filter((m) => m.type === 'IpSetUpdate')).toEqual([
      {
        type: 'IpSetUpdate',
        set: cSet,
        members: ['10.0.0.0/8', '10.1.0.0/16 nomatch', '10.2.0.0/16 nomatch'],
      },
    ]);
    expect(first.find((m) => m.type === 'PolicyUpdate')).toMatchObject({
      inbound: [
        {
          peers: [
            { kind: 'ipset', set: cSet },
            { kind: 'cidr', cidr: '192.168.0.0/16' },
          ],
        },
      ],
    });
    expect(types(send(deleted(policyInput(p1))))).toEqual(['EndpointUpdate', 'PolicyRemove']);
    expect(send(deleted(policyInput(p2)))).toEqual([
      expect.objectContaining({ type: 'EndpointUpdate' }),
      { type: 'PolicyRemove', policy: { namespace: 'ns-a', name: 'p2' } },
      { type: 'IpSetRemove', set: cSet },
    ]);
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
