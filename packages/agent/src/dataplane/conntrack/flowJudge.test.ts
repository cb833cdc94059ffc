import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { IpFamily } from '@palisade/model';
import type { EndpointUpdate, IpSetId, PolicyUpdate } from '../../messages.js';
import {
  allow,
  cidrSet,
  deny,
  isolatedBy,
  makeEndpoint,
  makePolicy,
  named,
  peerSet,
  sel,
  tcp,
  udp,
} from '../../testing/dataplaneBuilders.js';
import type { Flow } from './conntrackEntries.js';
import { judgeFlow, type PolicyView } from './flowJudge.js';

const A = '10.0.0.2'; // local, client
const B = '10.0.0.3'; // local, server
const R = '10.9.0.9'; // remote pod

interface Model {
  endpoints: readonly EndpointUpdate[];
  policies?: readonly PolicyUpdate[];
  sets?: Record<string, readonly string[]>;
}

function view(opts: Model): PolicyView {
  const setKey = (s: IpSetId): string => `${s.kind}:${s.identity}`;
  return {
    endpointsWithIp: (ip) => opts.endpoints.filter((e) => e.ips.includes(ip)),
    policy: (ref) =>
      opts.policies?.find(
        (p) => p.policy.namespace === ref.namespace && p.policy.name === ref.name,
      ),
    inSet: (set: IpSetId, _f: IpFamily, member: string) => {
      const members = opts.sets?.[setKey(set)] ?? [];
      if (set.kind !== 'c') return members.includes(member);
      const nets = new BlockList();
      for (const m of members) nets.addSubnet(m.split('/')[0]!, Number(m.split('/')[1]), 'ipv4');
      return nets.check(member, 'ipv4');
    },
  };
}

const flow = (src: string, dst: string, dport = 80, protocol = 'tcp'): Flow => ({
  family: 4,
  protocol,
  src,
  dst,
  dport,
});

const FROM_A = sel('app==a');
const bIsolated = makeEndpoint('b', [B], { ingress: isolatedBy('p') });

describe('judgeFlow', () => {
  it.each<[string, Model, Flow, string]>([
    ['neither end is local', { endpoints: [] }, flow(R, '10.9.0.8'), 'unpoliced'],
    [
      'open endpoints',
      { endpoints: [makeEndpoint('a', [A]), makeEndpoint('b', [B])] },
      flow(A, B),
      'allow',
    ],
    [
      'ingress allowed from a selector on the port',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow([peerSet(FROM_A)], [tcp(80)])] })],
        sets: { 's:app==a': [A] },
      },
      flow(A, B),
      'allow',
    ],
    [
      'the peer left the selector',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow([peerSet(FROM_A)], [tcp(80)])] })],
        sets: { 's:app==a': [] },
      },
      flow(A, B),
      'deny',
    ],
    [
      'another port',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow(null, [tcp(80)])] })],
      },
      flow(A, B, 81),
      'deny',
    ],
    [
      'another protocol',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow(null, [udp(80)])] })],
      },
      flow(A, B, 80),
      'deny',
    ],
    [
      'a port range',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow(null, [tcp(8000, 8100)])] })],
      },
      flow(A, B, 8080),
      'allow',
    ],
    [
      'a named port of the destination',
      {
        endpoints: [bIsolated],
        policies: [
          makePolicy('p', {
            inbound: [allow(null, [{ kind: 'named', protocol: 'TCP', set: named('http') }])],
          }),
        ],
        sets: { 'n:http': [`${B},tcp:8080`] },
      },
      flow(A, B, 8080),
      'allow',
    ],
    [
      'an IP block',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow([peerSet(cidrSet('x'))])] })],
        sets: { 'c:x': ['10.9.0.0/24'] },
      },
      flow(R, B),
      'allow',
    ],
    [
      'isolated without policies',
      { endpoints: [makeEndpoint('b', [B], { ingress: isolatedBy() })] },
      flow(A, B),
      'deny',
    ],
    ['a policy not sent yet allows nothing', { endpoints: [bIsolated] }, flow(A, B), 'deny'],
    [
      'deny before allow',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [deny([peerSet(FROM_A)]), allow()] })],
        sets: { 's:app==a': [A] },
      },
      flow(A, B),
      'deny',
    ],
    [
      'allow before deny',
      {
        endpoints: [bIsolated],
        policies: [makePolicy('p', { inbound: [allow([peerSet(FROM_A)]), deny()] })],
        sets: { 's:app==a': [A] },
      },
      flow(A, B),
      'allow',
    ],
    [
      'pass leaves the policy, the next one decides',
      {
        endpoints: [makeEndpoint('b', [B], { ingress: isolatedBy('p', 'q') })],
        policies: [
          makePolicy('p', { inbound: [{ action: 'Pass', peers: null, ports: null }, deny()] }),
          makePolicy('q', { inbound: [allow()] }),
        ],
      },
      flow(A, B),
      'allow',
    ],
    [
      "the source's egress refuses (same node)",
      { endpoints: [makeEndpoint('a', [A], { egress: isolatedBy() }), makeEndpoint('b', [B])] },
      flow(A, B),
      'deny',
    ],
    [
      "egress to a remote peer by the source's policy",
      {
        endpoints: [makeEndpoint('a', [A], { egress: isolatedBy('e') })],
        policies: [makePolicy('e', { inbound: null, outbound: [allow([peerSet(cidrSet('r'))])] })],
        sets: { 'c:r': [`${R}/32`] },
      },
      flow(A, R),
      'allow',
    ],
    [
      'a shared IP: revoked only if every endpoint refuses',
      { endpoints: [bIsolated, makeEndpoint('b2', [B])] },
      flow(A, B),
      'allow',
    ],
  ])('%s', (_name, v, f, want) => {
    expect(judgeFlow(view(v), f)).toBe(want);
  });
});
