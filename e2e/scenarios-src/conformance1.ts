/** Conformance scenarios, part 1: isolation, policyTypes, selectors. */
import { blockAll, from, inNs, is, np, podIs, to, when, type ScenarioSpec } from './builder.js';

const inX = inNs('x');
const pa = { matchLabels: { pod: 'a' } };

export const part1: ScenarioSpec[] = [
  {
    name: 'default deny ingress in a namespace',
    steps: [
      { apply: [np('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })], expect: [{ port: 80, rules: [to(inX, false)] }, { port: 81, protocol: 'UDP', rules: [to(inX, false)] }] },
    ],
  },
  {
    name: 'default deny egress in a namespace',
    steps: [{ apply: [np('x', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], expect: [{ port: 80, rules: [from(inX, false)] }, { port: 80, protocol: 'UDP', rules: [from(inX, false)] }] }],
  },
  {
    name: 'default deny ingress and egress',
    steps: [
      {
        apply: [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
        expect: [{ port: 80, rules: [to(inX, false), from(inX, false)] }],
      },
    ],
  },
  {
    name: 'allow all ingress overrides default deny',
    steps: [
      { apply: [np('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })], expect: [{ port: 80, rules: [to(inX, false)] }] },
      { apply: [np('x', 'allow-all-ingress', { podSelector: {}, ingress: [{}] })], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'allow all egress overrides default deny',
    steps: [
      { apply: [np('x', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], expect: [{ port: 81, rules: [from(inX, false)] }] },
      { apply: [np('x', 'allow-all-egress', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] })], expect: [{ port: 81, rules: [] }] },
    ],
  },
  {
    name: 'policyTypes defaults to Ingress and Egress when egress rules exist',
    description: 'No policyTypes, egress rules present: x/a is isolated both ways; it may only talk to x/b.',
    steps: [
      {
        apply: [np('x', 'egress-to-b', { podSelector: pa, egress: [{ to: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), from(is('x/a'), false), when((f, t) => f.id === 'x/a' && t.id === 'x/b', true)] }],
      },
    ],
  },
  {
    name: 'policyTypes defaults to Ingress only without egress rules',
    steps: [
      {
        apply: [np('x', 'ingress-from-b', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.id === 'x/b' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'policyTypes Egress only leaves ingress open',
    steps: [{ apply: [np('x', 'egress-only', { podSelector: pa, policyTypes: ['Egress'] })], expect: [{ port: 80, rules: [from(is('x/a'), false)] }] }],
  },
  {
    name: 'explicit policyTypes Ingress ignores egress rules',
    steps: [
      {
        apply: [np('x', 'ingress-type-only', { podSelector: pa, policyTypes: ['Ingress'], ingress: [{}], egress: [{ to: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
        expect: [{ port: 80, rules: [] }],
      },
    ],
  },
  {
    name: 'podSelector peer matches only the policy namespace',
    steps: [
      {
        apply: [np('x', 'from-b', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.id === 'x/b' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'namespaceSelector peer admits every pod of matching namespaces',
    cluster: { namespaces: { x: { ns: 'x' }, y: { ns: 'y' }, z: { ns: 'z' } } },
    steps: [
      {
        apply: [np('x', 'from-y', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.ns === 'y' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'empty namespaceSelector admits pods of all namespaces',
    steps: [
      {
        apply: [np('x', 'from-any-b', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.pod === 'b' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'podSelector and namespaceSelector in one peer are ANDed',
    cluster: { namespaces: { x: { ns: 'x' }, y: { ns: 'y' }, z: { ns: 'z' } } },
    steps: [
      {
        apply: [np('x', 'from-y-c', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'c' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.id === 'y/c' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'two peers in one rule are ORed',
    cluster: { namespaces: { x: { ns: 'x' }, y: { ns: 'y' }, z: { ns: 'z' } } },
    steps: [
      {
        apply: [np('x', 'b-or-z', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { namespaceSelector: { matchLabels: { ns: 'z' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => (f.id === 'x/b' || f.ns === 'z') && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'matchExpressions In',
    steps: [
      {
        apply: [np('x', 'in', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.ns === 'x' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'matchExpressions NotIn',
    steps: [
      {
        apply: [np('x', 'notin', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['b'] }] } }] }] })],
        expect: [{ port: 81, rules: [to(inX, false), when((f, t) => f.ns === 'x' && f.pod !== 'b' && t.ns === 'x', true)] }],
      },
    ],
  },
  {
    name: 'matchExpressions Exists and DoesNotExist',
    steps: [
      {
        setPodLabels: [{ pod: 'x/b', labels: { pod: 'b', role: 'client' } }, { pod: 'y/c', labels: { pod: 'c', role: 'other' } }],
        apply: [np('x', 'exists', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'role', operator: 'Exists' }] } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => (f.id === 'x/b' || f.id === 'y/c') && t.id === 'x/a', true)] }],
      },
      {
        delete: [{ namespace: 'x', name: 'exists' }],
        apply: [np('x', 'not-exists', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.id === 'x/c' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'namespace matchExpressions on kubernetes.io/metadata.name',
    steps: [
      {
        apply: [np('x', 'from-y-z', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['y', 'z'] }] } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.ns !== 'x' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'empty podSelector selects every pod of the namespace only',
    steps: [{ apply: [np('y', 'deny-y', { podSelector: {}, ingress: [] })], expect: [{ port: 80, rules: [to(inNs('y'), false)] }] }],
  },
  {
    name: 'a policy in one namespace does not select pods of another',
    steps: [
      {
        apply: [np('z', 'deny-a-in-z', { podSelector: pa, policyTypes: ['Ingress', 'Egress'] })],
        expect: [{ port: 80, rules: [to(is('z/a'), false), from(is('z/a'), false)] }],
      },
    ],
  },
  {
    name: 'deny all in every namespace',
    steps: [
      {
        apply: ['x', 'y', 'z'].map((ns) => np(ns, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })),
        expect: [{ port: 80, rules: [blockAll] }, { port: 81, protocol: 'UDP', rules: [blockAll] }],
      },
    ],
  },
  {
    name: 'ingress from pods matching multiple labels',
    steps: [
      {
        setPodLabels: [{ pod: 'y/b', labels: { pod: 'b', tier: 'web' } }, { pod: 'y/c', labels: { pod: 'c', tier: 'web' } }],
        apply: [np('x', 'web-b', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b', tier: 'web' } } }] }] })],
        expect: [{ port: 80, rules: [to(is('x/a'), false), when((f, t) => f.id === 'y/b' && t.id === 'x/a', true)] }],
      },
    ],
  },
  {
    name: 'egress to a namespace only',
    cluster: { namespaces: { x: { ns: 'x' }, y: { ns: 'y' }, z: { ns: 'z' } } },
    steps: [
      {
        apply: [np('x', 'egress-to-y', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] })],
        expect: [{ port: 80, rules: [from(inX, false), when((f, t) => f.ns === 'x' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'egress and ingress must both allow',
    steps: [
      {
        apply: [
          np('x', 'a-egress-to-y', { podSelector: pa, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }] }),
          np('y', 'b-ingress-from-x-b', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } }, podSelector: { matchLabels: { pod: 'b' } } }] }] }),
        ],
        expect: [
          {
            port: 80,
            rules: [from(is('x/a'), false), when((f, t) => f.id === 'x/a' && t.ns === 'y', true), to(is('y/b'), false), when((f, t) => f.id === 'x/b' && t.id === 'y/b', true)],
          },
        ],
      },
    ],
  },
  {
    name: 'podSelector peer with podSelector of all pods',
    steps: [
      {
        apply: [np('x', 'from-same-ns', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })],
        expect: [{ port: 80, rules: [to(inX, false), when((f, t) => f.ns === 'x' && t.ns === 'x', true)] }],
      },
    ],
  },
  {
    name: 'ingress rule with ports but no from admits every source on those ports',
    steps: [
      {
        apply: [np('x', 'port-81', { podSelector: pa, ingress: [{ ports: [{ port: 81 }] }] })],
        expect: [
          { port: 80, rules: [to(is('x/a'), false)] },
          { port: 81, rules: [] },
        ],
      },
    ],
  },
  {
    name: 'pods selected by different podSelector values',
    steps: [
      {
        apply: [np('x', 'isolate-a-b', { podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['a', 'b'] }] }, policyTypes: ['Ingress'] })],
        expect: [{ port: 80, rules: [to((p) => p.ns === 'x' && podIs('a', 'b')(p), false)] }],
      },
    ],
  },
];
