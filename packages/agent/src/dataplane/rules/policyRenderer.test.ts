import { describe, expect, it } from 'vitest';
import { ipsetName } from '@palisade/model';
import type { RuleSpec } from '../../messages.js';
import {
  allow,
  cidrSet,
  deny,
  named,
  peerSet,
  sctp,
  sel,
  tcp,
  udp,
} from '../../testing/dataplaneBuilders.js';
import { renderPolicyChain } from './policyRenderer.js';

const DB4 = ipsetName('s', 'role==db', 4);
const DB6 = ipsetName('s', 'role==db', 6);
const WEB4 = ipsetName('s', 'role==web', 4);
const HTTP4 = ipsetName('n', 'http', 4);
const EXT4 = ipsetName('c', '0.0.0.0/0 except 10.0.0.0/8', 4);
const ACCEPT = '-j MARK --set-xmark 0x10000/0x10000';
const RET = '-m mark --mark 0x10000/0x10000 -j RETURN';

interface Case {
  name: string;
  rules: RuleSpec[];
  direction?: 'ingress' | 'egress';
  family?: 4 | 6;
  want: string[];
}

const cases: Case[] = [
  { name: 'no rules: chain allows nothing', rules: [], want: [] },
  { name: 'allow all (peers and ports null)', rules: [allow()], want: [ACCEPT] },
  { name: 'empty peer list never matches', rules: [allow([], null)], want: [] },
  { name: 'empty port list never matches', rules: [allow(null, [])], want: [] },
  {
    name: 'ingress from selector set on one port',
    rules: [allow([peerSet(sel('role==db'))], [tcp(5432)])],
    want: [`-p tcp -m tcp --dport 5432 -m set --match-set ${DB4} src ${ACCEPT}`],
  },
  {
    name: 'egress matches the peer as destination',
    direction: 'egress',
    rules: [allow([peerSet(sel('role==db'))], null)],
    want: [`-m set --match-set ${DB4} dst ${ACCEPT}`],
  },
  {
    name: 'v6 table uses the v6 set',
    family: 6,
    rules: [allow([peerSet(sel('role==db'))], null)],
    want: [`-m set --match-set ${DB6} src ${ACCEPT}`],
  },
  {
    name: 'port range and multiport',
    rules: [allow(null, [tcp(8000, 8080), tcp(443), udp(53), tcp(22)])],
    want: [
      `-p tcp -m multiport --dports 8000:8080,443,22 ${ACCEPT}`,
      `-p udp -m udp --dport 53 ${ACCEPT}`,
    ],
  },
  {
    name: 'a single range uses --dport N:M',
    rules: [allow(null, [tcp(1000, 2000)])],
    want: [`-p tcp -m tcp --dport 1000:2000 ${ACCEPT}`],
  },
  {
    name: 'multiport splits at 15 slots',
    rules: [
      allow(
        null,
        Array.from({ length: 16 }, (_, i) => tcp(100 + i)),
      ),
    ],
    want: [
      `-p tcp -m multiport --dports ${Array.from({ length: 15 }, (_, i) => 100 + i).join(',')} ${ACCEPT}`,
      `-p tcp -m tcp --dport 115 ${ACCEPT}`,
    ],
  },
  {
    name: 'protocol only',
    rules: [allow(null, [{ kind: 'protocol', protocol: 'UDP' }])],
    want: [`-p udp ${ACCEPT}`],
  },
  {
    name: 'named port matches dst,dst in the n-set',
    rules: [allow(null, [{ kind: 'named', protocol: 'TCP', set: named('http') }])],
    want: [`-p tcp -m set --match-set ${HTTP4} dst,dst ${ACCEPT}`],
  },
  {
    name: 'sctp',
    rules: [allow(null, [sctp(9999)])],
    want: [`-p sctp -m sctp --dport 9999 ${ACCEPT}`],
  },
  {
    name: 'several peers and several port matches: a scratch mark instead of the cross product',
    rules: [allow([peerSet(sel('role==db')), peerSet(sel('role==web'))], [tcp(80), udp(53)])],
    want: [
      '-j MARK --set-xmark 0x0/0x40000',
      `-m set --match-set ${DB4} src -j MARK --set-xmark 0x40000/0x40000`,
      `-m set --match-set ${WEB4} src -j MARK --set-xmark 0x40000/0x40000`,
      `-p tcp -m tcp --dport 80 -m mark --mark 0x40000/0x40000 ${ACCEPT}`,
      `-p udp -m udp --dport 53 -m mark --mark 0x40000/0x40000 ${ACCEPT}`,
      '-j MARK --set-xmark 0x0/0x40000',
    ],
  },
  {
    name: 'a deny with several peers and ports drops only when both match',
    rules: [
      deny([peerSet(sel('role==db')), peerSet(sel('role==web'))], [tcp(22), udp(22)]),
      allow(),
    ],
    want: [
      '-j MARK --set-xmark 0x0/0x40000',
      `-m set --match-set ${DB4} src -j MARK --set-xmark 0x40000/0x40000`,
      `-m set --match-set ${WEB4} src -j MARK --set-xmark 0x40000/0x40000`,
      '-p tcp -m tcp --dport 22 -m mark --mark 0x40000/0x40000 -j DROP',
      '-p udp -m udp --dport 22 -m mark --mark 0x40000/0x40000 -j DROP',
      '-j MARK --set-xmark 0x0/0x40000',
      ACCEPT,
    ],
  },
  {
    name: 'one peer set and 1,500 ports: rules grow with the port chunks only',
    rules: [
      allow(
        [peerSet(sel('role==db'))],
        Array.from({ length: 1500 }, (_, i) => tcp(10000 + 2 * i)),
      ),
    ],
    want: Array.from(
      { length: 100 },
      (_, c) =>
        `-p tcp -m multiport --dports ${Array.from({ length: 15 }, (_, i) => 10000 + 2 * (15 * c + i)).join(',')} -m set --match-set ${DB4} src ${ACCEPT}`,
    ),
  },
  {
    name: 'cidr-with-excepts set',
    rules: [allow([peerSet(cidrSet('0.0.0.0/0 except 10.0.0.0/8'))], null)],
    want: [`-m set --match-set ${EXT4} src ${ACCEPT}`],
  },
  {
    name: 'deny before allow: order kept, allow returns',
    rules: [deny([peerSet(sel('role==web'))], [tcp(22)]), allow(), deny()],
    want: [
      `-p tcp -m tcp --dport 22 -m set --match-set ${WEB4} src -j DROP`,
      ACCEPT,
      RET,
      '-j DROP',
    ],
  },
  {
    name: 'pass sets the pass mark and returns',
    rules: [
      { action: 'Pass', peers: [peerSet(sel('role==web'))], ports: null },
      allow([], null),
      deny(),
    ],
    want: [
      `-m set --match-set ${WEB4} src -j MARK --set-xmark 0x20000/0x20000`,
      '-m mark --mark 0x20000/0x20000 -j RETURN',
      '-j DROP',
    ],
  },
];

describe('renderPolicyChain', () => {
  it.each(cases)('$name', ({ rules, direction, family, want }) => {
    expect(renderPolicyChain(rules, direction ?? 'ingress', family ?? 4)).toEqual(want);
  });
});
