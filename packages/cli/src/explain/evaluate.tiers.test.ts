/**
 * explain over cluster policies: one row per tier path, in the order the agents
 * evaluate them (Admin by priority then name, NetworkPolicy, Baseline, default allow).
 */
import { describe, expect, it } from 'vitest';
import type { ClusterPolicy, Endpoint, Policy } from '@palisade/model';
import {
  cnpEgress,
  cnpError,
  cnpIngress,
  cnpSelector,
  ingressRule,
  ip,
  labels,
  makeClusterPolicy,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  makeView,
  namedPort,
  onNode,
  subject,
  tier,
} from '../testing/builders.js';
import { explainConnection } from './evaluate.js';
import type { SideState, TierName } from './types.js';

const NS = ['x', 'y', 'z'];
function cluster(): Endpoint[] {
  return [
    ...NS.flatMap((ns, i) =>
      ['a', 'b', 'c'].map((pod, j) =>
        makeEndpoint(
          ns,
          pod,
          ip(`10.0.${i}.${j + 1}`),
          labels({ pod }),
          onNode(`node-${j % 2}`),
          namedPort('serve-80-tcp', 80),
          namedPort('serve-81-tcp', 81),
        ),
      ),
    ),
    // Namespace w has no Namespace object in etcd: its pods have no namespace labels.
    makeEndpoint('w', 'a', ip('10.0.9.1'), labels({ pod: 'a' }), onNode('node-0')),
  ];
}
const namespaces = NS.map((n) => makeNamespace(n, { ns: n }));

const inNs = (n: string): string => cnpSelector({ namespaces: { matchLabels: { ns: n } } });
const pod = (n: string, p: string): string => cnpSelector({ namespaces: { matchLabels: { ns: n } }, pods: { matchLabels: { pod: p } } });
const from = (n: string): { selector: string }[] => [{ selector: inNs(n) }];
const npAllowAll = (ns: string): Policy => makePolicy(ns, 'allow-all', ingressRule({}));
const npDenyAll = (ns: string): Policy => makePolicy(ns, 'deny-all');
const admin = (name: string, priority: number, ...t: Parameters<typeof makeClusterPolicy>[1][]): ClusterPolicy =>
  makeClusterPolicy(name, tier('Admin', priority), ...t);
const baseline = (name: string, priority: number, ...t: Parameters<typeof makeClusterPolicy>[1][]): ClusterPolicy =>
  makeClusterPolicy(name, tier('Baseline', priority), ...t);

interface Side {
  state: SideState;
  tier?: TierName;
  policy?: string;
  rule?: number;
}
interface Case {
  name: string;
  cnps: ClusterPolicy[];
  policies?: Policy[];
  from: string;
  to: string;
  port?: number;
  protocol?: 'TCP' | 'UDP';
  allowed: boolean;
  egress?: Side;
  ingress?: Side;
  reason?: RegExp;
}

const cases: Case[] = [
  // Admin tier.
  { name: 'Admin Deny beats a NetworkPolicy allow', cnps: [admin('deny-x', 10, subject(inNs('y')), cnpIngress({ name: 'no-x', action: 'Deny', peers: from('x') }))], policies: [npAllowAll('y')], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', tier: 'Admin', policy: 'deny-x', rule: 1 }, reason: /denied by Admin cluster policy deny-x ingress rule 1 \(no-x\)/ },
  { name: 'Admin Accept beats NetworkPolicy isolation', cnps: [admin('let-x', 10, subject(inNs('y')), cnpIngress({ action: 'Accept', peers: from('x') }))], policies: [npDenyAll('y')], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'Admin', policy: 'let-x', rule: 1 }, reason: /accepted by Admin cluster policy let-x ingress rule 1 \(ingress\[0\]\)/ },
  { name: 'Admin rules that do not match leave the NetworkPolicy verdict', cnps: [admin('deny-z', 10, subject(inNs('y')), cnpIngress({ action: 'Deny', peers: from('z') }))], policies: [npAllowAll('y')], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'NetworkPolicy', policy: 'y/allow-all' } },
  { name: 'Admin Pass falls through to NetworkPolicy isolation', cnps: [admin('pass-x', 10, subject(inNs('y')), cnpIngress({ name: 'to-np', action: 'Pass', peers: from('x') }))], policies: [npDenyAll('y')], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'isolated', tier: 'NetworkPolicy' }, reason: /^passed by Admin cluster policy pass-x ingress rule 1 \(to-np\); isolated by policy y\/deny-all; no rule allows$/m },
  { name: 'Admin Pass skips the rest of the Admin tier', cnps: [admin('a-pass', 1, cnpIngress({ action: 'Pass', peers: from('x') })), admin('b-deny', 2, cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'not-isolated' }, reason: /passed by Admin cluster policy a-pass/ },
  { name: 'Admin Pass falls through to Baseline', cnps: [admin('pass-x', 10, cnpIngress({ action: 'Pass', peers: from('x') })), baseline('deny-all', 10, cnpIngress({ name: 'deny', action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', tier: 'Baseline', policy: 'deny-all', rule: 1 }, reason: /^passed by Admin .*; no NetworkPolicy isolates y\/b for ingress; denied by Baseline cluster policy deny-all ingress rule 1 \(deny\)$/m },
  { name: 'Admin Pass then NetworkPolicy allow, Baseline never reached', cnps: [admin('pass-x', 10, cnpIngress({ action: 'Pass', peers: from('x') })), baseline('deny-all', 10, cnpIngress({ action: 'Deny' }))], policies: [npAllowAll('y')], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'NetworkPolicy' } },
  // Rule and priority order.
  { name: 'rules in written order: Deny before Accept', cnps: [admin('p', 10, cnpIngress({ action: 'Deny', peers: from('x') }, { action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', tier: 'Admin', policy: 'p', rule: 1 } },
  { name: 'rules in written order: Accept before Deny', cnps: [admin('p', 10, cnpIngress({ action: 'Accept', peers: from('x') }, { action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'Admin', policy: 'p', rule: 1 } },
  { name: 'a later rule decides when earlier ones do not match', cnps: [admin('p', 10, cnpIngress({ action: 'Accept', peers: from('z') }, { action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', policy: 'p', rule: 2 } },
  { name: 'lower priority first (Deny at 10 before Accept at 20)', cnps: [admin('a-accept', 20, cnpIngress({ action: 'Accept' })), admin('z-deny', 10, cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', policy: 'z-deny' } },
  { name: 'lower priority first (Accept at 10 before Deny at 20)', cnps: [admin('a-deny', 20, cnpIngress({ action: 'Deny' })), admin('z-accept', 10, cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', policy: 'z-accept' } },
  { name: 'equal priorities: by name (accept-1 before deny-1)', cnps: [admin('deny-1', 10, cnpIngress({ action: 'Deny' })), admin('accept-1', 10, cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', policy: 'accept-1' } },
  { name: 'equal priorities: by name (a-deny before b-accept)', cnps: [admin('b-accept', 10, cnpIngress({ action: 'Accept' })), admin('a-deny', 10, cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', policy: 'a-deny' } },
  { name: 'Admin at priority 1000 before Baseline at 0', cnps: [baseline('b', 0, cnpIngress({ action: 'Deny' })), admin('a', 1000, cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'Admin', policy: 'a' } },
  // NetworkPolicy tier and Baseline.
  { name: 'NetworkPolicy isolation is final: Baseline Accept never reached', cnps: [baseline('open', 10, cnpIngress({ action: 'Accept' }))], policies: [npDenyAll('y')], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'isolated', tier: 'NetworkPolicy' } },
  { name: 'NetworkPolicy allow is final: Baseline Deny never reached', cnps: [baseline('closed', 10, cnpIngress({ action: 'Deny' }))], policies: [npAllowAll('y')], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'NetworkPolicy' } },
  { name: 'Baseline Deny for a pod no NetworkPolicy isolates', cnps: [baseline('closed', 10, subject(inNs('y')), cnpIngress({ action: 'Deny' }))], policies: [npDenyAll('z')], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', tier: 'Baseline', policy: 'closed' } },
  { name: 'Baseline Accept before a later Baseline Deny', cnps: [baseline('a-open', 1, cnpIngress({ action: 'Accept', peers: from('x') })), baseline('b-closed', 2, cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', tier: 'Baseline', policy: 'a-open' } },
  { name: 'Baseline Pass: default allow', cnps: [baseline('pass', 1, cnpIngress({ action: 'Pass' })), baseline('z-closed', 2, cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'not-isolated' }, reason: /passed by Baseline cluster policy pass ingress rule 1/ },
  { name: 'default allow when selecting cluster policies match nothing', cnps: [admin('deny-z', 10, cnpIngress({ action: 'Deny', peers: from('z') }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'not-isolated' }, reason: /^not isolated \(no NetworkPolicy selects y\/b for ingress\) and no cluster policy rule matched: default allow$/m },
  { name: 'a cluster policy selecting other pods changes nothing', cnps: [admin('deny', 10, subject(pod('y', 'c')), cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'not-isolated' }, reason: /^not isolated \(no policy selects y\/b for ingress\)$/m },
  { name: 'an egress-only cluster policy leaves ingress alone', cnps: [admin('eg', 10, cnpEgress({ action: 'Deny', peers: from('z') }))], policies: [], from: 'x/a', to: 'y/b', allowed: true, egress: { state: 'not-isolated' }, ingress: { state: 'not-isolated' } },
  // Both directions.
  { name: 'egress Accept still meets ingress Deny at the destination', cnps: [admin('out', 10, subject(inNs('x')), cnpEgress({ action: 'Accept' })), admin('in', 10, subject(inNs('y')), cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: false, egress: { state: 'allowed', tier: 'Admin', policy: 'out' }, ingress: { state: 'denied', tier: 'Admin', policy: 'in' } },
  { name: 'egress Deny blocks whatever ingress says', cnps: [admin('out', 10, subject(inNs('x')), cnpEgress({ action: 'Deny', peers: from('y') }))], policies: [npAllowAll('y')], from: 'x/a', to: 'y/b', allowed: false, egress: { state: 'denied', tier: 'Admin' }, ingress: { state: 'allowed', tier: 'NetworkPolicy' } },
  // Ports.
  { name: 'named port: matches the destination pod port', cnps: [admin('web', 10, cnpIngress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 'serve-80-tcp' }] }))], from: 'x/a', to: 'y/b', port: 80, allowed: false, ingress: { state: 'denied' } },
  { name: 'named port: another port does not match', cnps: [admin('web', 10, cnpIngress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 'serve-80-tcp' }] }))], from: 'x/a', to: 'y/b', port: 81, allowed: true },
  { name: 'named port on egress resolves against the destination', cnps: [admin('eg', 10, cnpEgress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 'serve-81-tcp' }] }))], from: 'x/a', to: 'y/b', port: 81, allowed: false, egress: { state: 'denied' } },
  { name: 'named port on egress to a plain IP matches nothing', cnps: [admin('eg', 10, cnpEgress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 'serve-81-tcp' }] }))], from: 'x/a', to: '192.168.1.1', port: 81, allowed: true, egress: { state: 'not-isolated' } },
  { name: 'port range includes its end', cnps: [admin('r', 10, cnpIngress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 80, endPort: 90 }] }))], from: 'x/a', to: 'y/b', port: 90, allowed: false },
  { name: 'port range excludes beyond its end', cnps: [admin('r', 10, cnpIngress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 80, endPort: 90 }] }))], from: 'x/a', to: 'y/b', port: 91, allowed: true },
  { name: 'a TCP rule does not match UDP', cnps: [admin('t', 10, cnpIngress({ action: 'Deny', ports: [{ protocol: 'TCP', port: 80 }] }))], from: 'x/a', to: 'y/b', protocol: 'UDP', allowed: true },
  // Networks.
  { name: 'networks: egress Deny to a pod CIDR', cnps: [admin('net', 10, cnpEgress({ action: 'Deny', peers: [{ cidr: '10.0.1.0/24' }] }))], from: 'x/a', to: 'y/b', allowed: false, egress: { state: 'denied', policy: 'net' } },
  { name: 'networks: other CIDRs do not match', cnps: [admin('net', 10, cnpEgress({ action: 'Deny', peers: [{ cidr: '10.0.1.0/24' }] }))], from: 'x/a', to: 'z/b', allowed: true },
  { name: 'networks: egress Accept to an outside address over a Baseline deny', cnps: [admin('dns', 10, cnpEgress({ action: 'Accept', peers: [{ cidr: '192.168.0.0/16' }] })), baseline('closed', 10, cnpEgress({ action: 'Deny' }))], from: 'x/a', to: '192.168.1.1', allowed: true, egress: { state: 'allowed', tier: 'Admin', policy: 'dns' }, ingress: { state: 'unpoliced' } },
  // Failing closed.
  { name: 'a cluster policy with an error denies its directions with rules', cnps: [admin('broken', 50, subject(inNs('y')), cnpError('spec.ingress[0].from[0].nodes', 'not supported'), cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', tier: 'Admin', policy: 'broken', rule: 1 }, reason: /denied by Admin cluster policy broken ingress rule 1 \(fail-closed\); cluster policy broken has an error \(spec\.ingress\[0\]\.from\[0\]\.nodes: not supported\)/ },
  { name: 'a cluster policy with an error leaves its directions without rules alone', cnps: [admin('broken', 50, cnpError('f', 'm'), cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: false, egress: { state: 'not-isolated' } },
  { name: 'a cluster policy with an error keeps its subject', cnps: [admin('broken', 50, subject(inNs('z')), cnpError('f', 'm'), cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: true },
  { name: 'a cluster policy with an error keeps its place (an earlier Accept wins)', cnps: [admin('broken', 50, cnpError('f', 'm'), cnpIngress({ action: 'Accept' })), admin('open', 10, cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: true, ingress: { state: 'allowed', policy: 'open' } },
  { name: 'an invalid stored cluster policy denies every pod both ways', cnps: [baseline('bad', 500, subject("pod == 'x' &&"), cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: false, egress: { state: 'denied', tier: 'Admin', policy: 'bad' }, ingress: { state: 'denied', tier: 'Admin', policy: 'bad' }, reason: /cluster policy bad is invalid \(spec\.selector: .+\); the agents enforce it as an Admin cluster policy at priority 0 that denies all ingress and egress of every pod/ },
  { name: 'an invalid peer selector makes the stored cluster policy invalid', cnps: [admin('bad', 500, subject(inNs('z')), cnpIngress({ action: 'Accept', peers: [{ selector: 'pod ==' }] }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied', policy: 'bad', rule: 1 }, reason: /cluster policy bad is invalid \(spec\.ingress\.0\.peers\.0\.selector: / },
  { name: 'an invalid cluster policy is at priority 0, after an earlier name at 0', cnps: [admin('zz-bad', 5, subject('(((')), admin('aa-open', 0, cnpIngress({ action: 'Accept' }))], from: 'x/a', to: 'y/b', allowed: false, egress: { state: 'denied', policy: 'zz-bad' }, ingress: { state: 'allowed', policy: 'aa-open' } },
  // Selection.
  { name: 'a pod whose namespace is unknown has no namespace labels', cnps: [admin('deny-w', 10, subject(cnpSelector({ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'w' } } })), cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'w/a', allowed: true, ingress: { state: 'not-isolated' } },
  { name: 'an empty namespaces selector selects pods of unknown namespaces too', cnps: [admin('deny', 10, subject(cnpSelector({ namespaces: {} })), cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'w/a', allowed: false, ingress: { state: 'denied' } },
  { name: 'subject pods: namespace and pod selector', cnps: [admin('deny', 10, subject(pod('y', 'b')), cnpIngress({ action: 'Deny' }))], from: 'x/a', to: 'y/b', allowed: false, ingress: { state: 'denied' } },
  { name: 'peer pods: only the matching pod', cnps: [admin('deny', 10, cnpIngress({ action: 'Deny', peers: [{ selector: pod('x', 'c') }] }))], from: 'x/a', to: 'y/b', allowed: true },
  { name: 'same pod is always allowed', cnps: [admin('deny', 10, cnpIngress({ action: 'Deny' }), cnpEgress({ action: 'Deny' }))], from: 'x/a', to: 'x/a', allowed: true, egress: { state: 'same-pod' }, ingress: { state: 'same-pod' } },
  { name: 'plain IP source: egress unpoliced, ingress by CIDR', cnps: [admin('deny', 10, cnpIngress({ action: 'Deny', peers: [{ cidr: '192.168.0.0/16' }] }))], from: '192.168.1.1', to: 'y/b', allowed: false, egress: { state: 'unpoliced' }, ingress: { state: 'denied', tier: 'Admin' } },
];

describe('explainConnection with cluster policies', () => {
  it.each(cases)('$name', (c) => {
    const view = makeView({ policies: c.policies ?? [], clusterPolicies: c.cnps, endpoints: cluster(), namespaces });
    const v = explainConnection(view, { from: c.from, to: c.to, port: c.port ?? 80, protocol: c.protocol ?? 'TCP' });
    expect(v.allowed).toBe(c.allowed);
    expect(v.egress.allowed && v.ingress.allowed).toBe(c.allowed);
    if (c.egress) expect(v.egress).toMatchObject(c.egress);
    if (c.ingress) expect(v.ingress).toMatchObject(c.ingress);
    if (c.reason) expect(`${v.egress.reason}\n${v.ingress.reason}`).toMatch(c.reason);
  });

  it('lists Pass rules and failing-closed cluster policies in -o json', () => {
    const view = makeView({
      clusterPolicies: [
        admin('pass', 1, cnpIngress({ name: 'p', action: 'Pass' })),
        baseline('broken', 1, cnpError('spec.ingress[0].from[0].nodes', 'not supported'), cnpIngress({ action: 'Accept' })),
      ],
      endpoints: cluster(),
      namespaces,
    });
    const v = explainConnection(view, { from: 'x/a', to: 'y/b', port: 80, protocol: 'TCP' });
    expect(v.ingress).toEqual({
      state: 'denied',
      allowed: false,
      tier: 'Baseline',
      policy: 'broken',
      rule: 1,
      ruleName: 'fail-closed',
      passed: [{ tier: 'Admin', policy: 'pass', rule: 1, ruleName: 'p', action: 'Pass' }],
      clusterNotes: [
        {
          policy: 'broken',
          message:
            'cluster policy broken has an error (spec.ingress[0].from[0].nodes: not supported); the agents deny everything in each of its directions with rules, for the pods it selects',
        },
      ],
      reason:
        'passed by Admin cluster policy pass ingress rule 1 (p); no NetworkPolicy isolates y/b for ingress; denied by Baseline cluster policy broken ingress rule 1 (fail-closed); cluster policy broken has an error (spec.ingress[0].from[0].nodes: not supported); the agents deny everything in each of its directions with rules, for the pods it selects',
    });
  });
});
