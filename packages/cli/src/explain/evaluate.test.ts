import { describe, expect, it } from 'vitest';
import type { Endpoint, Policy } from '@palisade/model';
import { isPalisadeError } from '@palisade/model';
import {
  egressRule,
  ingressRule,
  ip,
  labels,
  makeData,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  makeView,
  namedPort,
  onNode,
  peer,
  podSelector,
  rawSelector,
  types,
  withError,
} from '../testing/builders.js';
import { ModelView } from '../view/modelView.js';
import { explainConnection } from './evaluate.js';
import type { SideState } from './types.js';

/** x/a x/b x/c y/a … z/c: IP 10.0.<ns>.<pod+1>, labels {pod}, named ports serve-80-tcp etc. */
const NS = ['x', 'y', 'z'];
const PODS = ['a', 'b', 'c'];
function cluster(): Endpoint[] {
  return NS.flatMap((ns, i) =>
    PODS.map((pod, j) =>
      makeEndpoint(
        ns,
        pod,
        ip(`10.0.${i}.${j + 1}`, `fd00::${i}:${j + 1}`),
        labels({ pod }),
        onNode(`node-${j % 2}`),
        namedPort('serve-80-tcp', 80),
        namedPort('serve-81-tcp', 81),
        namedPort('serve-80-udp', 80, 'UDP'),
      ),
    ),
  );
}
const namespaces = NS.map((n) => makeNamespace(n, { ns: n }));

interface Case {
  name: string;
  policies: Policy[];
  from: string;
  to: string;
  port?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  allowed: boolean;
  egress?: SideState;
  ingress?: SideState;
  reason?: RegExp;
}

const denyAllIngress = (ns: string): Policy => makePolicy(ns, 'deny-all');
const denyAllEgress = (ns: string): Policy => makePolicy(ns, 'deny-egress', types('Egress'));
const allowFrom = (name: string, ns: string, sel: Parameters<typeof peer>[1], to = 'b'): Policy =>
  makePolicy(ns, name, podSelector({ matchLabels: { pod: to } }), ingressRule({ peers: [peer(ns, sel)] }));

const cases: Case[] = [
  { name: 'no policies: not isolated', policies: [], from: 'x/a', to: 'y/b', allowed: true, egress: 'not-isolated', ingress: 'not-isolated' },
  { name: 'default deny ingress', policies: [denyAllIngress('y')], from: 'x/a', to: 'y/b', allowed: false, ingress: 'isolated', reason: /isolated by policy y\/deny-all; no rule allows/ },
  { name: 'default deny ingress leaves other namespaces alone', policies: [denyAllIngress('y')], from: 'x/a', to: 'z/b', allowed: true, ingress: 'not-isolated' },
  { name: 'allow-all ingress', policies: [makePolicy('y', 'allow-all', ingressRule({}))], from: 'x/a', to: 'y/b', allowed: true, ingress: 'allowed', reason: /allowed by policy y\/allow-all ingress rule 1/ },
  { name: 'pod selector admits the matching pod', policies: [allowFrom('from-a', 'x', { podSelector: { matchLabels: { pod: 'a' } } })], from: 'x/a', to: 'x/b', allowed: true, ingress: 'allowed' },
  { name: 'pod selector rejects other pods', policies: [allowFrom('from-a', 'x', { podSelector: { matchLabels: { pod: 'a' } } })], from: 'x/c', to: 'x/b', allowed: false, ingress: 'isolated' },
  { name: 'pod selector without namespaceSelector is the policy namespace only', policies: [allowFrom('from-a', 'x', { podSelector: { matchLabels: { pod: 'a' } } })], from: 'y/a', to: 'x/b', allowed: false },
  { name: 'namespace selector admits pods of that namespace', policies: [allowFrom('from-y', 'x', { namespaceSelector: { matchLabels: { ns: 'y' } } })], from: 'y/c', to: 'x/b', allowed: true },
  { name: 'namespace selector rejects other namespaces', policies: [allowFrom('from-y', 'x', { namespaceSelector: { matchLabels: { ns: 'y' } } })], from: 'z/c', to: 'x/b', allowed: false },
  { name: 'namespace and pod selector: both must match', policies: [allowFrom('y-a', 'x', { namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'a' } } })], from: 'y/c', to: 'x/b', allowed: false },
  { name: 'namespace and pod selector: match', policies: [allowFrom('y-a', 'x', { namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'a' } } })], from: 'y/a', to: 'x/b', allowed: true },
  { name: 'empty namespaceSelector: all namespaces', policies: [allowFrom('any-a', 'x', { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'a' } } })], from: 'z/a', to: 'x/b', allowed: true },
  ...(['10.0.1.1', 'x/a'] as const).map((from): Case => ({
    name: `ipBlock admits ${from}`,
    policies: [makePolicy('x', 'cidr', ingressRule({ peers: [{ cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] }] }))],
    from,
    to: 'x/b',
    allowed: true,
    ingress: 'allowed',
  })),
  { name: 'ipBlock except rejects', policies: [makePolicy('x', 'cidr', ingressRule({ peers: [{ cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] }] }))], from: 'z/a', to: 'x/b', allowed: false },
  { name: 'ipBlock IPv6', policies: [makePolicy('x', 'cidr6', ingressRule({ peers: [{ cidr: 'fd00::1:0/112' }] }))], from: 'fd00::1:3', to: 'x/b', allowed: true },
  { name: 'ipBlock of another family does not match', policies: [makePolicy('x', 'cidr6', ingressRule({ peers: [{ cidr: 'fd00::/16' }] }))], from: '10.0.1.1', to: 'x/b', allowed: false },
  { name: 'named port ingress matches', policies: [makePolicy('x', 'named', ingressRule({ ports: [{ port: 'serve-80-tcp' }] }))], from: 'y/a', to: 'x/b', port: 80, allowed: true },
  { name: 'named port ingress other port', policies: [makePolicy('x', 'named', ingressRule({ ports: [{ port: 'serve-80-tcp' }] }))], from: 'y/a', to: 'x/b', port: 81, allowed: false },
  { name: 'named port needs the same protocol', policies: [makePolicy('x', 'named', ingressRule({ ports: [{ port: 'serve-80-tcp', protocol: 'UDP' }] }))], from: 'y/a', to: 'x/b', port: 80, protocol: 'UDP', allowed: false },
  { name: 'named port egress resolves against the destination', policies: [makePolicy('x', 'eg', types('Egress'), egressRule({ ports: [{ port: 'serve-81-tcp' }] }))], from: 'x/a', to: 'y/b', port: 81, allowed: true, egress: 'allowed' },
  { name: 'named port egress to a plain IP matches nothing', policies: [makePolicy('x', 'eg', types('Egress'), egressRule({ ports: [{ port: 'serve-81-tcp' }] }))], from: 'x/a', to: '192.168.1.1', port: 81, allowed: false, egress: 'isolated', ingress: 'unpoliced' },
  { name: 'endPort range includes the end', policies: [makePolicy('x', 'range', ingressRule({ ports: [{ port: 80, endPort: 81 }] }))], from: 'y/a', to: 'x/b', port: 81, allowed: true },
  { name: 'endPort range excludes beyond', policies: [makePolicy('x', 'range', ingressRule({ ports: [{ port: 80, endPort: 81 }] }))], from: 'y/a', to: 'x/b', port: 82, allowed: false },
  { name: 'UDP rule does not admit TCP', policies: [makePolicy('x', 'dns', ingressRule({ ports: [{ protocol: 'UDP', port: 53 }] }))], from: 'y/a', to: 'x/b', port: 53, allowed: false },
  { name: 'UDP rule admits UDP', policies: [makePolicy('x', 'dns', ingressRule({ ports: [{ protocol: 'UDP', port: 53 }] }))], from: 'y/a', to: 'x/b', port: 53, protocol: 'UDP', allowed: true },
  { name: 'SCTP rule admits SCTP', policies: [makePolicy('x', 'sctp', ingressRule({ ports: [{ protocol: 'SCTP', port: 80 }] }))], from: 'y/a', to: 'x/b', protocol: 'SCTP', allowed: true },
  { name: 'SCTP rule does not admit TCP', policies: [makePolicy('x', 'sctp', ingressRule({ ports: [{ protocol: 'SCTP', port: 80 }] }))], from: 'y/a', to: 'x/b', allowed: false },
  { name: 'protocol without port: every port', policies: [makePolicy('x', 'udp-all', ingressRule({ ports: [{ protocol: 'UDP' }] }))], from: 'y/a', to: 'x/b', port: 9999, protocol: 'UDP', allowed: true },
  ...(['a', 'c'] as const).map((p): Case => ({
    name: `multiple policies are a union (${p})`,
    policies: [allowFrom('from-a', 'x', { podSelector: { matchLabels: { pod: 'a' } } }), allowFrom('from-c', 'x', { podSelector: { matchLabels: { pod: 'c' } } })],
    from: `x/${p}`,
    to: 'x/b',
    allowed: true,
    reason: new RegExp(`allowed by policy x/from-${p} ingress rule 1`),
  })),
  { name: 'a later rule of the same policy admits', policies: [makePolicy('x', 'two', ingressRule({ ports: [{ port: 1 }] }), ingressRule({ ports: [{ port: 80 }] }))], from: 'y/a', to: 'x/b', allowed: true, reason: /ingress rule 2/ },
  { name: 'egress allowed but ingress blocked', policies: [makePolicy('x', 'eg', types('Egress'), egressRule({})), denyAllIngress('y')], from: 'x/a', to: 'y/b', allowed: false, egress: 'allowed', ingress: 'isolated' },
  { name: 'ingress allowed but egress blocked', policies: [denyAllEgress('x'), makePolicy('y', 'in', ingressRule({}))], from: 'x/a', to: 'y/b', allowed: false, egress: 'isolated', ingress: 'allowed' },
  { name: 'both sides allow', policies: [makePolicy('x', 'eg', types('Egress'), egressRule({ peers: [peer('x', { namespaceSelector: { matchLabels: { ns: 'y' } } })] })), makePolicy('y', 'in', ingressRule({}))], from: 'x/a', to: 'y/b', allowed: true, egress: 'allowed', ingress: 'allowed' },
  { name: 'a policy with an error isolates and has no rules', policies: [makePolicy('x', 'broken', ingressRule({}), withError('spec.ingress[0].ports[0].port', 'bad port'))], from: 'y/a', to: 'x/b', allowed: false, ingress: 'isolated', reason: /policy x\/broken has an error and no rules \(spec.ingress\[0\].ports\[0\].port: bad port\)/ },
  { name: 'an error policy does not stop another policy allowing', policies: [makePolicy('x', 'broken', withError('f', 'm')), makePolicy('x', 'ok', ingressRule({}))], from: 'y/a', to: 'x/b', allowed: true, reason: /x\/ok/ },
  { name: 'an Egress-only policy does not isolate ingress', policies: [denyAllEgress('y')], from: 'x/a', to: 'y/b', allowed: true, ingress: 'not-isolated' },
  { name: 'an Ingress-only policy does not isolate egress', policies: [denyAllIngress('x')], from: 'x/a', to: 'y/b', allowed: true, egress: 'not-isolated' },
  { name: 'policy selecting other pods does not isolate', policies: [makePolicy('x', 'only-c', podSelector({ matchLabels: { pod: 'c' } }))], from: 'y/a', to: 'x/b', allowed: true, ingress: 'not-isolated' },
  { name: 'same pod is always allowed', policies: [denyAllIngress('x'), denyAllEgress('x')], from: 'x/a', to: 'x/a', allowed: true, egress: 'same-pod', ingress: 'same-pod' },
  { name: 'a pod IP is that pod', policies: [denyAllIngress('x')], from: '10.0.0.1', to: 'x/a', allowed: true, egress: 'same-pod' },
  { name: 'plain IP source: egress unpoliced', policies: [denyAllIngress('x')], from: '192.168.1.1', to: 'x/b', allowed: false, egress: 'unpoliced', ingress: 'isolated' },
  { name: 'plain IP destination: ingress unpoliced', policies: [], from: 'x/a', to: '192.168.1.1', allowed: true, ingress: 'unpoliced' },
  { name: 'selector peers never match a plain IP', policies: [makePolicy('x', 'sel', ingressRule({ peers: [{ selector: 'all()' }] }))], from: '192.168.1.1', to: 'x/b', allowed: false },
  { name: 'a Deny rule of a lower order wins', policies: [makePolicy('x', 'allow', ingressRule({})), makePolicy('x', 'zdeny', (p) => { p.spec.order = 10; }, ingressRule({ action: 'Deny' }))], from: 'y/a', to: 'x/b', allowed: false, ingress: 'denied', reason: /denied by policy x\/zdeny ingress rule 1/ },
  { name: 'a Pass rule skips the rest of its policy', policies: [makePolicy('x', 'pass', (p) => { p.spec.order = 10; }, ingressRule({ action: 'Pass' }), ingressRule({}))], from: 'y/a', to: 'x/b', allowed: false, ingress: 'isolated' },
  // Containment (issue 10 item 6): a policy only ever selects pods of its own namespace.
  { name: 'a selector naming another namespace selects nothing there', policies: [makePolicy('other', 'evil', rawSelector("pal:namespace == 'y'"))], from: 'x/a', to: 'y/b', allowed: true, ingress: 'not-isolated' },
  { name: 'a selector naming another namespace selects nothing at home either', policies: [makePolicy('x', 'evil', rawSelector("pal:namespace == 'y'"))], from: 'y/a', to: 'x/b', allowed: true, ingress: 'not-isolated' },
  { name: 'a selector without a namespace term is confined to the policy namespace', policies: [makePolicy('x', 'bare', rawSelector("pod == 'b'"))], from: 'x/a', to: 'y/b', allowed: true, ingress: 'not-isolated' },
  { name: 'a selector without a namespace term applies at home', policies: [makePolicy('y', 'bare', rawSelector("pod == 'b'"))], from: 'x/a', to: 'y/b', allowed: false, ingress: 'isolated', reason: /isolated by policy y\/bare/ },
  { name: 'an all() selector is confined to the policy namespace', policies: [makePolicy('x', 'everything', rawSelector('all()'))], from: 'x/a', to: 'y/b', allowed: true, ingress: 'not-isolated' },
  { name: 'an ns: label term cannot reach another namespace', policies: [makePolicy('x', 'by-label', rawSelector("ns:ns == 'y'"))], from: 'x/a', to: 'y/b', allowed: true, ingress: 'not-isolated' },
  // An invalid policy is the agents' deny-all for its namespace, and the verdict says so.
  { name: 'an unparsable selector isolates the whole namespace (ingress)', policies: [makePolicy('y', 'bad', rawSelector("pod == 'b' &&"))], from: 'x/a', to: 'y/c', allowed: false, ingress: 'isolated', reason: /policy y\/bad is invalid \(spec\.selector: .+\); the agents isolate every pod of namespace y and allow nothing through it/ },
  { name: 'an unparsable selector isolates the whole namespace (egress)', policies: [makePolicy('y', 'bad', rawSelector('pod =='))], from: 'y/a', to: 'x/b', allowed: false, egress: 'isolated', ingress: 'not-isolated', reason: /policy y\/bad is invalid/ },
  { name: 'an unparsable selector leaves other namespaces alone', policies: [makePolicy('y', 'bad', rawSelector('pod =='))], from: 'x/a', to: 'z/b', allowed: true, egress: 'not-isolated', ingress: 'not-isolated' },
  { name: 'an invalid policy allows nothing, even with rules', policies: [makePolicy('y', 'bad', rawSelector('pod =='), ingressRule({}))], from: 'x/a', to: 'y/b', allowed: false, ingress: 'isolated' },
  { name: 'an invalid policy does not stop another policy allowing', policies: [makePolicy('y', 'bad', rawSelector('pod ==')), makePolicy('y', 'open', ingressRule({}), egressRule({}), types('Ingress', 'Egress'))], from: 'y/a', to: 'y/b', allowed: true, egress: 'allowed', ingress: 'allowed' },
  { name: 'an unparsable peer selector makes the whole policy invalid', policies: [makePolicy('x', 'bad', podSelector({ matchLabels: { pod: 'c' } }), ingressRule({ peers: [{ selector: 'pod ==' }] }))], from: 'y/a', to: 'x/b', allowed: false, ingress: 'isolated', reason: /policy x\/bad is invalid \(spec\.ingress\.0\.peers\.0\.selector: .+\)/ },
  { name: 'an unparsable peer selector isolates egress of the namespace too', policies: [makePolicy('x', 'bad', ingressRule({ peers: [{ selector: 'pod ==' }] }))], from: 'x/a', to: 'y/b', allowed: false, egress: 'isolated' },
];

describe('explainConnection', () => {
  it.each(cases)('$name', (c) => {
    const view = makeView({ policies: c.policies, endpoints: cluster(), namespaces });
    const v = explainConnection(view, { from: c.from, to: c.to, port: c.port ?? 80, protocol: c.protocol ?? 'TCP' });
    expect(v.allowed).toBe(c.allowed);
    expect(v.egress.allowed && v.ingress.allowed).toBe(c.allowed);
    if (c.egress) expect(v.egress.state).toBe(c.egress);
    if (c.ingress) expect(v.ingress.state).toBe(c.ingress);
    if (c.reason) expect(`${v.egress.reason}\n${v.ingress.reason}`).toMatch(c.reason);
  });

  it('lists invalid policies in the verdict with their key', () => {
    const view = makeView({ policies: [makePolicy('y', 'bad', rawSelector('pod =='))], endpoints: cluster(), namespaces });
    const v = explainConnection(view, { from: 'x/a', to: 'y/b', port: 80, protocol: 'TCP' });
    expect(v.ingress).toMatchObject({
      state: 'isolated',
      policies: ['y/bad'],
      invalid: [{ policy: 'y/bad', key: '/palisade/v1/policy/y/bad', message: expect.stringMatching(/^spec\.selector: /) as string }],
    });
  });

  it('names an invalid endpoint value instead of "not found"', () => {
    const data = makeData({ endpoints: cluster(), namespaces });
    data.invalid.push({ key: '/palisade/v1/endpoint/node-0/x/evil', error: 'spec.labels.pal:namespace: is a reserved label key' });
    expect(() => explainConnection(new ModelView(data), { from: 'x/evil', to: 'x/a', port: 80, protocol: 'TCP' })).toThrow(
      /pod x\/evil has an invalid endpoint value in etcd \(spec\.labels\.pal:namespace: is a reserved label key\)/,
    );
  });

  it('uses the pod IP of the family the other side has', () => {
    const view = makeView({ endpoints: cluster(), namespaces });
    expect(explainConnection(view, { from: 'x/a', to: 'fd00::1:2', port: 80, protocol: 'TCP' }).from.ip).toBe('fd00::0:1');
    expect(explainConnection(view, { from: 'x/a', to: 'y/b', port: 80, protocol: 'TCP' })).toMatchObject({
      from: { pod: 'x/a', ip: '10.0.0.1', node: 'node-0' },
      to: { pod: 'y/b', ip: '10.0.1.2', node: 'node-1' },
    });
  });

  it('names the reasons in plain words', () => {
    const view = makeView({ policies: [denyAllIngress('y')], endpoints: cluster(), namespaces });
    const v = explainConnection(view, { from: 'x/a', to: 'y/b', port: 80, protocol: 'TCP' });
    expect(v.egress.reason).toBe('not isolated (no policy selects x/a for egress)');
    expect(v.ingress).toEqual({
      state: 'isolated',
      allowed: false,
      tier: 'NetworkPolicy',
      policies: ['y/deny-all'],
      reason: 'isolated by policy y/deny-all; no rule allows',
    });
  });

  it.each([
    ['x/nope', 'NOT_FOUND'],
    ['nope', 'INVALID_INPUT'],
    ['a/b/c', 'INVALID_INPUT'],
  ])('rejects --from %s with %s', (from, code) => {
    const view = makeView({ endpoints: cluster(), namespaces });
    expect(() => explainConnection(view, { from, to: 'x/a', port: 80, protocol: 'TCP' })).toThrow(
      expect.objectContaining({ code }) as Error,
    );
    try {
      explainConnection(view, { from, to: 'x/a', port: 80, protocol: 'TCP' });
    } catch (err) {
      expect(isPalisadeError(err)).toBe(true);
    }
  });
});
