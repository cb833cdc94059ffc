/** Conformance scenarios, part 2: ipBlock, ports, protocols, stacking, updates, pod lifecycle. */
import { from, inNs, is, np, to, when, type ScenarioSpec } from './builder.js';

const inX = inNs('x');
const pa = { matchLabels: { pod: 'a' } };
const isolateA = to(is('x/a'), false);
const toA = (pred: (f: { id: string; ns: string; pod: string }) => boolean) => when((f, t) => t.id === 'x/a' && pred(f), true);

export const part2: ScenarioSpec[] = [
  {
    name: 'ipBlock admits a single pod IP',
    steps: [{ apply: [np('x', 'from-ip', { podSelector: pa, ingress: [{ from: [{ ipBlock: { cidr: '${cidr:y/b}' } }] }] })], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'y/b')] }] }],
  },
  {
    name: 'ipBlock with except',
    description: 'All pod IPs live in 10.65.0.0/16; except carves out y/a.',
    steps: [
      {
        apply: [np('x', 'block-except', { podSelector: pa, ingress: [{ from: [{ ipBlock: { cidr: '10.65.0.0/16', except: ['${cidr:y/a}'] } }] }] })],
        expect: [{ port: 80, rules: [isolateA, toA((f) => f.id !== 'y/a')] }],
      },
    ],
  },
  {
    name: 'ipBlock CIDR with host bits set',
    description: '"<ip of z/c>/24" has host bits set; it means the /24 network containing z/c, i.e. every pod on the same node as z/c.',
    cluster: { nodes: 2 },
    steps: [
      {
        apply: [np('x', 'host-bits', { podSelector: pa, ingress: [{ from: [{ ipBlock: { cidr: '${ip:z/c}/24' } }] }] })],
        // Matrix index i lands on node i mod 2; z/c is index 8 → node 0, like x/a x/c y/b z/a z/c.
        expect: [{ port: 80, rules: [isolateA, toA((f) => ['x/c', 'y/b', 'z/a', 'z/c'].includes(f.id))] }],
      },
    ],
  },
  {
    name: 'ipBlock except of a whole node network',
    steps: [
      {
        apply: [np('x', 'except-node1', { podSelector: pa, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['${cidr:x/b:24}'] } }] }] })],
        // x/b is index 1 → node 1 with x/b y/a y/c z/b.
        expect: [{ port: 80, rules: [isolateA, toA((f) => !['x/b', 'y/a', 'y/c', 'z/b'].includes(f.id))] }],
      },
    ],
  },
  {
    name: 'egress ipBlock to one pod',
    steps: [{ apply: [np('x', 'egress-ip', { podSelector: pa, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '${cidr:z/b}' } }] }] })], expect: [{ port: 81, rules: [from(is('x/a'), false), when((f, t) => f.id === 'x/a' && t.id === 'z/b', true)] }] }],
  },
  {
    name: 'ingress on one numeric port',
    steps: [
      {
        apply: [np('x', 'port-80', { podSelector: pa, ingress: [{ ports: [{ protocol: 'TCP', port: 80 }], from: [{ namespaceSelector: {} }] }] })],
        expect: [{ port: 80, rules: [] }, { port: 81, rules: [isolateA] }, { port: 80, protocol: 'UDP', rules: [isolateA] }],
      },
    ],
  },
  {
    name: 'port protocol defaults to TCP',
    steps: [{ apply: [np('x', 'default-proto', { podSelector: pa, ingress: [{ ports: [{ port: 81 }] }] })], expect: [{ port: 81, rules: [] }, { port: 81, protocol: 'UDP', rules: [isolateA] }] }],
  },
  {
    name: 'UDP port rule',
    steps: [{ apply: [np('x', 'udp-80', { podSelector: pa, ingress: [{ ports: [{ protocol: 'UDP', port: 80 }] }] })], expect: [{ port: 80, protocol: 'UDP', rules: [] }, { port: 80, rules: [isolateA] }, { port: 81, protocol: 'UDP', rules: [isolateA] }] }],
  },
  {
    name: 'protocol without a port admits every port of that protocol',
    steps: [{ apply: [np('x', 'all-udp', { podSelector: pa, ingress: [{ ports: [{ protocol: 'UDP' }] }] })], expect: [{ port: 80, protocol: 'UDP', rules: [] }, { port: 81, protocol: 'UDP', rules: [] }, { port: 80, rules: [isolateA] }] }],
  },
  {
    name: 'endPort range',
    cluster: { ports: [80, 81, 82] },
    steps: [
      {
        apply: [np('x', 'range', { podSelector: pa, ingress: [{ ports: [{ protocol: 'TCP', port: 81, endPort: 82 }] }] })],
        expect: [{ port: 80, rules: [isolateA] }, { port: 81, rules: [] }, { port: 82, rules: [] }],
      },
    ],
  },
  {
    name: 'named port ingress',
    steps: [
      {
        apply: [np('x', 'named-in', { podSelector: pa, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
        expect: [{ port: 80, rules: [isolateA] }, { port: 81, rules: [] }, { port: 81, protocol: 'UDP', rules: [isolateA] }],
      },
    ],
  },
  {
    name: 'named port ingress UDP',
    steps: [{ apply: [np('x', 'named-udp', { podSelector: pa, ingress: [{ ports: [{ protocol: 'UDP', port: 'serve-80-udp' }] }] })], expect: [{ port: 80, protocol: 'UDP', rules: [] }, { port: 80, rules: [isolateA] }] }],
  },
  {
    name: 'named port egress resolves against the destination pods',
    steps: [
      {
        apply: [np('x', 'named-out', { podSelector: pa, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
        expect: [{ port: 80, rules: [] }, { port: 81, rules: [from(is('x/a'), false)] }],
      },
    ],
  },
  {
    name: 'named port egress to a selected peer',
    steps: [
      {
        apply: [np('x', 'named-peer', { podSelector: pa, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 'serve-81-tcp' }] }] })],
        expect: [{ port: 80, rules: [from(is('x/a'), false)] }, { port: 81, rules: [from(is('x/a'), false), when((f, t) => f.id === 'x/a' && t.pod === 'b', true)] }],
      },
    ],
  },
  {
    name: 'multiple ports and protocols in one rule',
    steps: [
      {
        apply: [np('x', 'multi', { podSelector: pa, ingress: [{ ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 81 }] }] })],
        expect: [{ port: 80, rules: [] }, { port: 81, rules: [isolateA] }, { port: 81, protocol: 'UDP', rules: [] }, { port: 80, protocol: 'UDP', rules: [isolateA] }],
      },
    ],
  },
  {
    name: 'multiple rules are ORed with their own ports',
    steps: [
      {
        apply: [
          np('x', 'two-rules', {
            podSelector: pa,
            ingress: [
              { from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] },
              { from: [{ podSelector: { matchLabels: { pod: 'c' } } }], ports: [{ port: 81 }] },
            ],
          }),
        ],
        expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/b')] }, { port: 81, rules: [isolateA, toA((f) => f.id === 'x/c')] }],
      },
    ],
  },
  {
    name: 'stacked policies allow the union',
    steps: [
      {
        apply: [
          np('x', 'allow-b', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }),
          np('x', 'allow-y', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }] }),
        ],
        expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/b' || f.ns === 'y')] }],
      },
    ],
  },
  {
    name: 'deny-all stacked with an allow',
    steps: [
      {
        apply: [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] }), np('x', 'allow-c-port-81', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'c' } } }], ports: [{ port: 81 }] }] })],
        expect: [{ port: 80, rules: [to(inX, false)] }, { port: 81, rules: [to(inX, false), when((f, t) => f.id === 'x/c' && t.ns === 'x', true)] }],
      },
    ],
  },
  {
    name: 'updating a policy replaces its rules',
    steps: [
      { apply: [np('x', 'p', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/b')] }] },
      { apply: [np('x', 'p', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'c' } } }] }] })], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/c')] }] },
      { apply: [np('x', 'p', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [] })], expect: [{ port: 80, rules: [to(is('x/b'), false)] }] },
    ],
  },
  {
    name: 'deleting a policy restores access',
    steps: [
      { apply: [np('x', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })], expect: [{ port: 80, rules: [to(inX, false), from(inX, false)] }] },
      { delete: [{ namespace: 'x', name: 'deny' }], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'pod label changes move pods into and out of peer sets',
    steps: [
      { apply: [np('x', 'from-clients', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }] }] })], expect: [{ port: 80, rules: [isolateA] }] },
      { setPodLabels: [{ pod: 'y/c', labels: { pod: 'c', role: 'client' } }], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'y/c')] }] },
      { setPodLabels: [{ pod: 'y/c', labels: { pod: 'c' } }, { pod: 'z/b', labels: { pod: 'b', role: 'client' } }], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'z/b')] }] },
    ],
  },
  {
    name: 'pod label changes select and unselect the target pod',
    steps: [
      { apply: [np('x', 'isolate-locked', { podSelector: { matchLabels: { locked: 'yes' } }, policyTypes: ['Ingress'] })], expect: [{ port: 80, rules: [] }] },
      { setPodLabels: [{ pod: 'x/b', labels: { pod: 'b', locked: 'yes' } }], expect: [{ port: 80, rules: [to(is('x/b'), false)] }] },
      { setPodLabels: [{ pod: 'x/b', labels: { pod: 'b' } }], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'namespace label changes',
    steps: [
      { apply: [np('x', 'from-blue', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }] })], expect: [{ port: 80, rules: [isolateA] }] },
      { setNamespaceLabels: [{ namespace: 'y', labels: { team: 'blue' } }], expect: [{ port: 80, rules: [isolateA, toA((f) => f.ns === 'y')] }] },
      { setNamespaceLabels: [{ namespace: 'y', labels: {} }, { namespace: 'z', labels: { team: 'blue' } }], expect: [{ port: 80, rules: [isolateA, toA((f) => f.ns === 'z')] }] },
    ],
  },
  {
    name: 'a pod created after the policy is isolated and admitted correctly',
    steps: [
      {
        apply: [np('x', 'deny-x', { podSelector: {}, policyTypes: ['Ingress'] }), np('x', 'a-from-c', { podSelector: pa, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } }] }] })],
        expect: [{ port: 80, rules: [to(inX, false), toA((f) => f.pod === 'c')] }],
      },
      { recreatePods: [{ pod: 'x/b' }, { pod: 'y/c' }], expect: [{ port: 80, rules: [to(inX, false), toA((f) => f.pod === 'c')] }] },
    ],
  },
  {
    name: 'a pod that moves to another node keeps its policy',
    steps: [
      { apply: [np('x', 'a-from-b', { podSelector: pa, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/b')] }] },
      { recreatePods: [{ pod: 'x/a', node: 1 }], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/b')] }] },
      { recreatePods: [{ pod: 'x/b', node: 0 }], expect: [{ port: 80, rules: [isolateA, toA((f) => f.id === 'x/b')] }] },
    ],
  },
  {
    name: 'egress deny all then allow to one pod by label',
    steps: [
      { apply: [np('y', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], expect: [{ port: 80, rules: [from(inNs('y'), false)] }] },
      { apply: [np('y', 'to-z-a', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'z' } }, podSelector: pa }] }] })], expect: [{ port: 80, rules: [from(inNs('y'), false), when((f, t) => f.ns === 'y' && t.id === 'z/a', true)] }] },
    ],
  },
  {
    name: 'SCTP rules are programmed; probes are skipped without kernel support',
    steps: [
      {
        apply: [np('x', 'sctp-80', { podSelector: pa, ingress: [{ ports: [{ protocol: 'SCTP', port: 80 }] }] })],
        expect: [{ port: 80, rules: [isolateA] }, { port: 80, protocol: 'SCTP', rules: [] }],
      },
    ],
  },
  {
    name: 'three namespaces, three nodes',
    cluster: { nodes: 3 },
    steps: [
      {
        apply: [np('z', 'z-from-x', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }] }] })],
        expect: [{ port: 80, rules: [to(inNs('z'), false), when((f, t) => f.ns === 'x' && t.ns === 'z', true)] }, { port: 81, protocol: 'UDP', rules: [to(inNs('z'), false), when((f, t) => f.ns === 'x' && t.ns === 'z', true)] }],
      },
    ],
  },
];
