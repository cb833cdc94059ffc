import { describe, expect, it } from 'vitest';
import { canonicalSelector, type Rule } from '@palisade/model';
import type { RuleSpec } from '../messages.js';
import { scanPolicy } from './scanPolicy.js';
import { SelectorCache } from './selectorCache.js';
import { cidrSet } from './ipSetDefs.js';
import {
  makePolicy,
  rule,
  withEgress,
  withIngress,
  withSelector,
  withTypes,
} from './testing/builders.js';

const c = canonicalSelector;
const POLICY_SEL = "app == 'web'";
/** The policy selector as the agent applies it: confined to the policy's namespace ('ns'). */
const SUBJECT = "app == 'web' && pal:namespace == 'ns'";
/** Identity of the one hash:net set of a rule's IP blocks. */
const blocks = (...b: { cidr: string; except: string[] }[]): string => cidrSet(b).identity;

const cases: {
  name: string;
  dir: 'ingress' | 'egress';
  rule: Partial<Rule>;
  spec: RuleSpec;
  sets: string[];
}[] = [
  {
    name: 'empty rule allows all',
    dir: 'ingress',
    rule: {},
    spec: { action: 'Allow', peers: null, ports: null },
    sets: [],
  },
  {
    name: 'action passes through',
    dir: 'ingress',
    rule: { action: 'Deny' },
    spec: { action: 'Deny', peers: null, ports: null },
    sets: [],
  },
  {
    name: 'selector peer',
    dir: 'ingress',
    rule: { peers: [{ selector: "app=='db'" }] },
    spec: {
      action: 'Allow',
      peers: [{ kind: 'ipset', set: { kind: 's', identity: "app == 'db'" } }],
      ports: null,
    },
    sets: ["s:app == 'db'"],
  },
  {
    name: 'ports: protocol, single port, range',
    dir: 'egress',
    rule: {
      ports: [
        { protocol: 'UDP' },
        { protocol: 'TCP', port: 80 },
        { protocol: 'SCTP', port: 1000, endPort: 2000 },
      ],
    },
    spec: {
      action: 'Allow',
      peers: null,
      ports: [
        { kind: 'protocol', protocol: 'UDP' },
        { kind: 'range', protocol: 'TCP', port: 80, endPort: 80 },
        { kind: 'range', protocol: 'SCTP', port: 1000, endPort: 2000 },
      ],
    },
    sets: [],
  },
  {
    name: 'ingress named port resolves on the policy selector',
    dir: 'ingress',
    rule: { peers: [{ selector: "app == 'db'" }], ports: [{ protocol: 'TCP', port: 'http' }] },
    spec: {
      action: 'Allow',
      peers: [{ kind: 'ipset', set: { kind: 's', identity: "app == 'db'" } }],
      ports: [
        {
          kind: 'named',
          protocol: 'TCP',
          set: { kind: 'n', identity: `dst|${c(SUBJECT)}|TCP|http` },
        },
      ],
    },
    sets: ["s:app == 'db'", `n:dst|${c(SUBJECT)}|TCP|http`],
  },
  {
    name: 'egress named port: one set per selector peer, plus all() for IP-block peers',
    dir: 'egress',
    rule: {
      peers: [
        { selector: "app == 'a'" },
        { selector: "app == 'b'" },
        { cidr: '10.0.0.0/8', except: [] },
      ],
      ports: [{ protocol: 'UDP', port: 'dns' }],
    },
    spec: {
      action: 'Allow',
      peers: [
        { kind: 'ipset', set: { kind: 's', identity: "app == 'a'" } },
        { kind: 'ipset', set: { kind: 's', identity: "app == 'b'" } },
        { kind: 'ipset', set: { kind: 'c', identity: blocks({ cidr: '10.0.0.0/8', except: [] }) } },
      ],
      ports: [
        { kind: 'named', protocol: 'UDP', set: { kind: 'n', identity: "app == 'a'|UDP|dns" } },
        { kind: 'named', protocol: 'UDP', set: { kind: 'n', identity: "app == 'b'|UDP|dns" } },
        { kind: 'named', protocol: 'UDP', set: { kind: 'n', identity: 'all()|UDP|dns' } },
      ],
    },
    sets: [
      "s:app == 'a'",
      "s:app == 'b'",
      `c:${blocks({ cidr: '10.0.0.0/8', except: [] })}`,
      "n:app == 'a'|UDP|dns",
      "n:app == 'b'|UDP|dns",
      'n:all()|UDP|dns',
    ],
  },
  {
    name: 'CIDR with excepts becomes a c set',
    dir: 'egress',
    rule: { peers: [{ cidr: 'fd00::/64', except: ['fd00::/96'] }] },
    spec: {
      action: 'Allow',
      peers: [
        {
          kind: 'ipset',
          set: { kind: 'c', identity: blocks({ cidr: 'fd00::/64', except: ['fd00::/96'] }) },
        },
      ],
      ports: null,
    },
    sets: [`c:${blocks({ cidr: 'fd00::/64', except: ['fd00::/96'] })}`],
  },
  {
    name: "all of a rule's IP blocks share one c set, after the selector peers",
    dir: 'ingress',
    rule: {
      peers: [
        { cidr: '10.0.0.1/32', except: [] },
        { selector: "app == 'a'" },
        { cidr: '10.0.0.2/32', except: [] },
      ],
    },
    spec: {
      action: 'Allow',
      peers: [
        { kind: 'ipset', set: { kind: 's', identity: "app == 'a'" } },
        {
          kind: 'ipset',
          set: {
            kind: 'c',
            identity: blocks(
              { cidr: '10.0.0.1/32', except: [] },
              { cidr: '10.0.0.2/32', except: [] },
            ),
          },
        },
      ],
      ports: null,
    },
    sets: [
      "s:app == 'a'",
      `c:${blocks({ cidr: '10.0.0.1/32', except: [] }, { cidr: '10.0.0.2/32', except: [] })}`,
    ],
  },
  {
    name: 'an unparseable peer selector is dropped (fails closed)',
    dir: 'ingress',
    rule: { peers: [{ selector: 'app = = x' }] },
    spec: { action: 'Allow', peers: [], ports: null },
    sets: [],
  },
];

describe('scanPolicy', () => {
  it.each(cases)('$name', ({ dir, rule: r, spec, sets }) => {
    const policy = makePolicy(
      'ns',
      'p',
      withSelector(POLICY_SEL),
      withTypes('Ingress', 'Egress'),
      dir === 'ingress' ? withIngress(r) : withEgress(r),
    );
    const scanned = scanPolicy(policy, new SelectorCache());
    expect(scanned[dir === 'ingress' ? 'inbound' : 'outbound']).toEqual([spec]);
    expect([...scanned.sets.keys()].sort()).toEqual(sets.sort());
  });

  it('ignores rules of directions the policy does not have', () => {
    const policy = makePolicy('ns', 'p', withTypes('Egress'), withIngress(rule()), withEgress());
    expect(scanPolicy(policy, new SelectorCache())).toMatchObject({ inbound: null, outbound: [] });
  });
});
