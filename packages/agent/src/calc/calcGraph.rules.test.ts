import { cidrSet } from './ipSetDefs.js';
import { describe, expect, it } from 'vitest';
import { canonicalSelector } from '@palisade/model';
import {
  deleted,
  epInput,
  makeEndpoint,
  makePolicy,
  policyInput,
  withEgress,
  withError,
  withIngress,
  withSelector,
  withTypes,
} from './testing/builders.js';
import { TEST_NODE as NODE, graph, types } from './testing/graphHarness.js';

const c = canonicalSelector;
const sSet = (sel: string) => ({ kind: 's' as const, identity: c(sel) });

const web = makeEndpoint('ns-a', 'web', { node: NODE, ips: ['10.0.0.1'], labels: { app: 'web' } });

describe('CalcGraph rules', () => {
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
    const ingressSet = {
      kind: 'n' as const,
      identity: `dst|${c("app == 'web' && pal:namespace == 'ns-a'")}|TCP|http`,
    };
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

  it("renders a rule's IP blocks as one exact set, shared by rules with the same union", () => {
    const block = { cidr: '10.0.0.0/8', except: ['10.2.0.0/16', '10.1.0.0/16'] };
    const extra = { cidr: '192.168.0.0/16', except: [] };
    const p1 = makePolicy('ns-a', 'p1', withIngress({ peers: [block, extra] }));
    const p2 = makePolicy(
      'ns-a',
      'p2',
      withIngress({ peers: [extra, { ...block, except: ['10.1.0.0/16', '10.2.0.0/16'] }] }),
    );
    const cSet = { kind: 'c' as const, identity: cidrSet([block, extra]).identity };
    const { first, send } = graph(epInput(web), policyInput(p1), policyInput(p2));
    expect(first.filter((m) => m.type === 'IpSetUpdate')).toEqual([
      {
        type: 'IpSetUpdate',
        set: cSet,
        members: [
          '10.0.0.0/16',
          '10.3.0.0/16',
          '10.4.0.0/14',
          '10.8.0.0/13',
          '10.16.0.0/12',
          '10.32.0.0/11',
          '10.64.0.0/10',
          '10.128.0.0/9',
          '192.168.0.0/16',
        ].sort(),
      },
    ]);
    expect(first.find((m) => m.type === 'PolicyUpdate')).toMatchObject({
      inbound: [{ peers: [{ kind: 'ipset', set: cSet }] }],
    });
    expect(types(send(deleted(policyInput(p1))))).toEqual(['EndpointUpdate', 'PolicyRemove']);
    expect(send(deleted(policyInput(p2)))).toEqual([
      expect.objectContaining({ type: 'EndpointUpdate' }),
      { type: 'PolicyRemove', policy: { namespace: 'ns-a', name: 'p2' } },
      { type: 'IpSetRemove', set: cSet },
    ]);
  });
});
