import { describe, expect, it } from 'vitest';
import { ipsetName } from '@palisade/model';
import type { RuleSpec } from '../../messages.js';
import {
  allow,
  cidrSet,
  deny,
  named,
  peerCidr,
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
    name: 'peers × ports, then one return for the RuleSpec',
    rules: [
      allow([peerSet(sel('role==db')), peerSet(sel('role==web'))], [tcp(80), udp(53)]),
      deny(),
    ],
    want: [
      `-p tcp -m tcp --dport 80 -m set --match-set ${DB4} src ${ACCEPT}`,
      `-p udp -m udp --dport 53 -m set --match-set ${DB4} src ${ACCEPT}`,
      `-p tcp -m tcp --dport 80 -m set --match-set ${WEB4} src ${ACCEPT}`,
      `-p udp -m udp --dport 53 -m set --match-set ${WEB4} src ${ACCEPT}`,
      RET,
      '-j DROP',
    ],
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
    name: 'cidr peers only in their family (v4 table)',
    rules: [allow([peerCidr('192.168.0.0/16'), peerCidr('fd00::/64'), peerCidr('10.1.2.3')], null)],
    want: [`-s 192.168.0.0/16 ${ACCEPT}`, `-s 10.1.2.3/32 ${ACCEPT}`],
  },
  {
    name: 'cidr peers only in their family (v6 table, egress)',
    family: 6,
    direction: 'egress',
    rules: [allow([peerCidr('192.168.0.0/16'), peerCidr('fd00::/64')], null)],
    want: [`-d fd00::/64 ${ACCEPT}`],
  },
  {
    name: 'a v4-only rule is empty in the v6 table',
    family: 6,
    rules: [allow([peerCidr('10.0.0.0/8')], [tcp(80)])],
    want: [],
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
