/**
 * ClusterNetworkPolicy scenarios, part 2: protocols and ports, named ports (explicit
 * ports), networks with pod CIDRs, relabels, pods recreated on another node, explicit
 * pods. Expectations as in part 1, from the API text.
 */
import { from, inNs, np, to, when, type Rule, type ScenarioSpec } from './builder.js';
import { cnp, inRule, namedPort, namespaces, networks, outRule, pods, tcp, udp } from './cnpBuilder.js';

const xToY: Rule = when((f, t) => f.ns === 'x' && t.ns === 'y', false);
const denyXIntoY = (name: string, protocols: Record<string, unknown>[]) => cnp(name, 'Admin', 1, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')], { protocols })] });
const sctp = (port: number) => ({ sctp: { destinationPort: { number: port } } });
/** Matrix index i lands on node i mod 2: node 0 holds x/a x/c y/b z/a z/c. */
const onNode0 = ['x/a', 'x/c', 'y/b', 'z/a', 'z/c'];
const named = { ports: [{ port: 80, protocol: 'TCP' as const, name: 'web' }, { port: 81, protocol: 'TCP' as const, name: 'admin' }, { port: 80, protocol: 'UDP' as const, name: 'dns' }] };

export const cnpPart2: ScenarioSpec[] = [
  {
    name: 'cnp protocols tcp port number',
    steps: [{ apply: [denyXIntoY('tcp-80', [tcp(80)])], expect: [{ port: 80, rules: [xToY] }, { port: 81, rules: [] }, { port: 80, protocol: 'UDP', rules: [] }] }],
  },
  {
    name: 'cnp protocols udp port number',
    steps: [{ apply: [denyXIntoY('udp-80', [udp(80)])], expect: [{ port: 80, protocol: 'UDP', rules: [xToY] }, { port: 80, rules: [] }, { port: 81, protocol: 'UDP', rules: [] }] }],
  },
  {
    name: 'cnp protocols tcp port range',
    cluster: { ports: [80, 81, 82] },
    steps: [{ apply: [denyXIntoY('tcp-81-82', [tcp([81, 82])])], expect: [{ port: 80, rules: [] }, { port: 81, rules: [xToY] }, { port: 82, rules: [xToY] }, { port: 81, protocol: 'UDP', rules: [] }] }],
  },
  {
    name: 'cnp protocols sctp',
    description: 'SCTP is programmed; its probe is skipped where the kernel lacks SCTP. TCP stays open.',
    steps: [{ apply: [denyXIntoY('sctp-80', [sctp(80)])], expect: [{ port: 80, protocol: 'SCTP', rules: [xToY] }, { port: 80, rules: [] }] }],
  },
  {
    name: 'cnp several protocols in one rule',
    steps: [
      {
        apply: [denyXIntoY('tcp80-udp81', [tcp(80), udp(81)])],
        expect: [{ port: 80, rules: [xToY] }, { port: 81, protocol: 'UDP', rules: [xToY] }, { port: 81, rules: [] }, { port: 80, protocol: 'UDP', rules: [] }],
      },
    ],
  },
  {
    name: 'cnp accept limited to a port under networkpolicy isolation',
    steps: [
      {
        apply: [np('y', 'isolate', { podSelector: {}, policyTypes: ['Ingress'] }), cnp('accept-81', 'Admin', 1, namespaces('y'), { ingress: [inRule('Accept', [namespaces()], { protocols: [tcp(81)] })] })],
        expect: [{ port: 80, rules: [to(inNs('y'), false)] }, { port: 81, rules: [] }],
      },
    ],
  },
  {
    name: 'cnp ingress named port',
    cluster: named,
    steps: [
      {
        apply: [denyXIntoY('named-web', [namedPort('web')])],
        expect: [{ port: 80, rules: [xToY] }, { port: 81, rules: [] }, { port: 80, protocol: 'UDP', rules: [] }],
      },
      {
        apply: [denyXIntoY('named-web', [namedPort('dns')])],
        expect: [{ port: 80, rules: [] }, { port: 81, rules: [] }, { port: 80, protocol: 'UDP', rules: [xToY] }],
      },
    ],
  },
  {
    name: 'cnp egress named port resolves on the destination',
    cluster: named,
    steps: [
      {
        apply: [cnp('x-no-admin', 'Admin', 1, namespaces('x'), { egress: [outRule('Deny', [namespaces()], { protocols: [namedPort('admin')] })] })],
        expect: [{ port: 81, rules: [from(inNs('x'), false)] }, { port: 80, rules: [] }, { port: 80, protocol: 'UDP', rules: [] }],
      },
    ],
  },
  {
    name: 'cnp baseline named port accept under default deny',
    cluster: named,
    steps: [
      {
        apply: [
          cnp('b-web', 'Baseline', 1, namespaces('z'), { ingress: [inRule('Accept', [namespaces()], { protocols: [namedPort('web')] })] }),
          cnp('b-deny', 'Baseline', 2, namespaces('z'), { ingress: [inRule('Deny', [namespaces()])] }),
        ],
        expect: [{ port: 80, rules: [] }, { port: 81, rules: [to(inNs('z'), false)] }, { port: 80, protocol: 'UDP', rules: [to(inNs('z'), false)] }],
      },
    ],
  },
  {
    name: 'cnp networks deny one pod cidr',
    steps: [{ apply: [cnp('x-not-to-yb', 'Admin', 1, namespaces('x'), { egress: [outRule('Deny', [networks('${cidr:y/b}')])] })], expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && t.id === 'y/b', false)] }] }],
  },
  {
    name: 'cnp networks deny a node pod network',
    description: '${cidr:z/a:24} is the pod network of node 0 (x/a x/c y/b z/a z/c).',
    steps: [{ apply: [cnp('x-not-to-node0', 'Admin', 1, namespaces('x'), { egress: [outRule('Deny', [networks('${cidr:z/a:24}')])] })], expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && onNode0.includes(t.id), false)] }] }],
  },
  {
    name: 'cnp networks accept wins over networkpolicy egress isolation',
    steps: [
      {
        apply: [np('x', 'no-egress', { podSelector: {}, policyTypes: ['Egress'] }), cnp('x-to-zc', 'Admin', 1, namespaces('x'), { egress: [outRule('Accept', [networks('${cidr:z/c}', '${cidr:y/a}')])] })],
        expect: [{ port: 80, rules: [from(inNs('x'), false), when((f, t) => f.ns === 'x' && ['z/c', 'y/a'].includes(t.id), true)] }],
      },
    ],
  },
  {
    name: 'cnp networks deny all with a pass for pod traffic first',
    description: 'The API text: to keep pod-to-pod traffic out of a 0.0.0.0/0 rule, Pass it first.',
    steps: [
      {
        apply: [cnp('x-egress', 'Admin', 1, namespaces('x'), { egress: [outRule('Pass', [namespaces('x')]), outRule('Deny', [networks('0.0.0.0/0')])] })],
        expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && t.ns !== 'x', false)] }],
      },
    ],
  },
  {
    name: 'cnp networks with a pod recreated on another node',
    description: 'y/a (node 1) moves to node 0 and gets a new IP; the policy is applied again with the new IP.',
    steps: [
      { apply: [cnp('x-not-to-ya', 'Admin', 1, namespaces('x'), { egress: [outRule('Deny', [networks('${cidr:y/a}')])] })], expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && t.id === 'y/a', false)] }] },
      {
        recreatePods: [{ pod: 'y/a', node: 0 }],
        apply: [cnp('x-not-to-ya', 'Admin', 1, namespaces('x'), { egress: [outRule('Deny', [networks('${cidr:y/a}')])] })],
        expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && t.id === 'y/a', false)] }],
      },
    ],
  },
  {
    name: 'cnp pods recreated on another node keep their cluster policy',
    steps: [
      { apply: [cnp('no-xb-to-ya', 'Admin', 1, { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } }, podSelector: { matchLabels: { pod: 'a' } } } }, { ingress: [inRule('Deny', [pods('x', { pod: 'b' })])] })], expect: [{ port: 80, rules: [when((f, t) => f.id === 'x/b' && t.id === 'y/a', false)] }] },
      { recreatePods: [{ pod: 'x/b', node: 0 }, { pod: 'y/a', node: 0 }], expect: [{ port: 80, rules: [when((f, t) => f.id === 'x/b' && t.id === 'y/a', false)] }] },
      { recreatePods: [{ pod: 'y/a', node: 1 }], expect: [{ port: 80, rules: [when((f, t) => f.id === 'x/b' && t.id === 'y/a', false)] }] },
    ],
  },
  {
    name: 'cnp pod relabels move pods into and out of peers and subjects',
    steps: [
      { apply: [cnp('no-bad-into-x', 'Admin', 1, namespaces('x'), { ingress: [inRule('Deny', [pods(null, { role: 'bad' })])] })], expect: [{ port: 80, rules: [] }] },
      { setPodLabels: [{ pod: 'y/b', labels: { pod: 'b', role: 'bad' } }], expect: [{ port: 80, rules: [when((f, t) => f.id === 'y/b' && t.ns === 'x', false)] }] },
      { setPodLabels: [{ pod: 'y/b', labels: { pod: 'b' } }], expect: [{ port: 80, rules: [] }] },
      {
        setPodLabels: [{ pod: 'z/c', labels: { pod: 'c', guarded: 'yes' } }],
        apply: [cnp('guard', 'Admin', 2, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { guarded: 'yes' } } } }, { ingress: [inRule('Deny', [namespaces()])] })],
        expect: [{ port: 80, rules: [to((p) => p.id === 'z/c', false)] }],
      },
      { setPodLabels: [{ pod: 'z/c', labels: { pod: 'c' } }], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp namespace relabels change subjects and peers',
    steps: [
      { apply: [cnp('blue-isolated', 'Admin', 1, { namespaces: { matchLabels: { team: 'blue' } } }, { ingress: [inRule('Deny', [{ namespaces: { matchLabels: { team: 'red' } } }])] })], expect: [{ port: 80, rules: [] }] },
      { setNamespaceLabels: [{ namespace: 'z', labels: { team: 'blue' } }, { namespace: 'x', labels: { team: 'red' } }], expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && t.ns === 'z', false)] }] },
      { setNamespaceLabels: [{ namespace: 'y', labels: { team: 'red' } }], expect: [{ port: 80, rules: [when((f, t) => (f.ns === 'x' || f.ns === 'y') && t.ns === 'z', false)] }] },
      { setNamespaceLabels: [{ namespace: 'z', labels: {} }], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp explicit pods and ports',
    description: 'Long-form namespaces with their own pods and labels, ports on one protocol with their own names.',
    cluster: {
      namespaces: {
        gryffindor: { labels: { house: 'gryffindor' }, pods: { harry: { house: 'gryffindor', role: 'seeker' }, hermione: { house: 'gryffindor' } } },
        slytherin: { labels: { house: 'slytherin' }, pods: { draco: { house: 'slytherin', role: 'seeker' } } },
        x: {},
      },
      pods: ['a'],
      ports: [{ port: 80, protocol: 'TCP', name: 'web' }, { port: 8080, protocol: 'TCP' }],
    },
    steps: [
      { expect: [{ port: 80, rules: [] }, { port: 8080, rules: [] }] },
      {
        apply: [cnp('protect-seekers', 'Admin', 1, { pods: { namespaceSelector: { matchLabels: { house: 'gryffindor' } }, podSelector: { matchLabels: { role: 'seeker' } } } }, { ingress: [inRule('Deny', [{ namespaces: { matchLabels: { house: 'slytherin' } } }], { protocols: [namedPort('web')] })] })],
        expect: [{ port: 80, rules: [when((f, t) => f.ns === 'slytherin' && t.id === 'gryffindor/harry', false)] }, { port: 8080, rules: [] }],
      },
      {
        apply: [cnp('seekers-only-web', 'Baseline', 1, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { role: 'seeker' } } } }, { ingress: [inRule('Deny', [namespaces()], { protocols: [tcp(8080)] })] })],
        expect: [
          { port: 80, rules: [when((f, t) => f.ns === 'slytherin' && t.id === 'gryffindor/harry', false)] },
          { port: 8080, rules: [to((p) => p.id === 'gryffindor/harry' || p.id === 'slytherin/draco', false)] },
        ],
      },
    ],
  },
];
