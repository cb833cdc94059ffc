/**
 * ClusterNetworkPolicy scenarios, part 1: tiers, actions, priority and rule order.
 * Expectations are derived from the API text (network-policy-api
 * apis/v1alpha2/clusternetworkpolicy_types.go): per direction Admin by priority
 * (rules in written order, first match decides, Pass leaves the tier), then
 * NetworkPolicy (final for isolated pods), then Baseline, then allow; a connection
 * needs the source's egress and the destination's ingress.
 */
import { from, inNs, is, np, to, when, type ScenarioSpec } from './builder.js';
import { cnp, deleteCnp, inRule, namespaces, outRule, pods } from './cnpBuilder.js';

const into = (ns: string) => inNs(ns);
const xToY = when((f, t) => f.ns === 'x' && t.ns === 'y', false);
const denyXIntoY = (name: string, priority = 10) => cnp(name, 'Admin', priority, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])] });
const isolateIngress = (ns: string, name = 'isolate') => np(ns, name, { podSelector: {}, policyTypes: ['Ingress'] });
const allowIngressFrom = (ns: string, fromNs: string) => np(ns, `from-${fromNs}`, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': fromNs } } }] }] });

export const cnpPart1: ScenarioSpec[] = [
  {
    name: 'cnp admin deny ingress from a namespace',
    steps: [{ apply: [denyXIntoY('deny-x-to-y')], expect: [{ port: 80, rules: [xToY] }, { port: 81, protocol: 'UDP', rules: [xToY] }] }],
  },
  {
    name: 'cnp admin deny wins over a networkpolicy allow',
    steps: [
      { apply: [np('y', 'allow-all', { podSelector: {}, ingress: [{}] })], expect: [{ port: 80, rules: [] }] },
      { apply: [denyXIntoY('deny-x-to-y')], expect: [{ port: 80, rules: [xToY] }] },
    ],
  },
  {
    name: 'cnp admin accept wins over networkpolicy isolation',
    steps: [
      { apply: [isolateIngress('y')], expect: [{ port: 80, rules: [to(into('y'), false)] }] },
      {
        apply: [cnp('accept-x-to-y', 'Admin', 5, namespaces('y'), { ingress: [inRule('Accept', [namespaces('x')])] })],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'cnp admin pass falls through to networkpolicy',
    description: 'Pass from x skips the Admin deny-all; y isolated by a NetworkPolicy that admits x.',
    steps: [
      {
        apply: [
          cnp('pass-x', 'Admin', 1, namespaces('y'), { ingress: [inRule('Pass', [namespaces('x')])] }),
          cnp('deny-all-into-y', 'Admin', 2, namespaces('y'), { ingress: [inRule('Deny', [namespaces()])] }),
          allowIngressFrom('y', 'x'),
        ],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'cnp admin pass falls through to baseline',
    description: 'No NetworkPolicy in y: after the Pass, the Baseline deny from x/a decides; x/b and x/c reach the default allow.',
    steps: [
      {
        apply: [
          cnp('pass-x', 'Admin', 1, namespaces('y'), { ingress: [inRule('Pass', [namespaces('x')])] }),
          cnp('deny-rest', 'Admin', 2, namespaces('y'), { ingress: [inRule('Deny', [namespaces('y', 'z')])] }),
          cnp('baseline-no-xa', 'Baseline', 1, namespaces('y'), { ingress: [inRule('Deny', [pods('x', { pod: 'a' })])] }),
        ],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true), when((f, t) => f.id === 'x/a' && t.ns === 'y', false)] }],
      },
    ],
  },
  {
    name: 'cnp baseline is not reached for pods isolated by networkpolicy',
    description: 'y is isolated (admits x): its verdict is final. z has no NetworkPolicy: the Baseline deny-all applies there.',
    steps: [
      {
        apply: [
          allowIngressFrom('y', 'x'),
          cnp('baseline-deny-y', 'Baseline', 1, namespaces('y'), { ingress: [inRule('Deny', [namespaces()])] }),
          cnp('baseline-deny-z', 'Baseline', 2, namespaces('z'), { ingress: [inRule('Deny', [namespaces()])] }),
        ],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true), to(into('z'), false)] }],
      },
    ],
  },
  {
    name: 'cnp baseline accept does not open an isolated pod',
    steps: [
      {
        apply: [isolateIngress('y'), cnp('baseline-accept', 'Baseline', 1, namespaces('y'), { ingress: [inRule('Accept', [namespaces()])] })],
        expect: [{ port: 80, rules: [to(into('y'), false)] }],
      },
    ],
  },
  {
    name: 'cnp baseline default deny, then a networkpolicy takes over',
    steps: [
      { apply: [cnp('baseline-deny-x', 'Baseline', 10, namespaces('x'), { ingress: [inRule('Deny', [namespaces()])] })], expect: [{ port: 80, rules: [to(into('x'), false)] }] },
      { apply: [allowIngressFrom('x', 'y')], expect: [{ port: 80, rules: [to(into('x'), false), when((f, t) => f.ns === 'y' && t.ns === 'x', true)] }] },
      { delete: [{ namespace: 'x', name: 'from-y' }], expect: [{ port: 80, rules: [to(into('x'), false)] }] },
    ],
  },
  {
    name: 'cnp admin accept before baseline deny',
    steps: [
      {
        apply: [
          cnp('accept-x', 'Admin', 3, namespaces('y'), { ingress: [inRule('Accept', [namespaces('x')])] }),
          cnp('baseline-deny', 'Baseline', 3, namespaces('y'), { ingress: [inRule('Deny', [namespaces()])] }),
        ],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'cnp admin priority order and a priority update',
    steps: [
      {
        apply: [
          cnp('accept-x', 'Admin', 10, namespaces('y'), { ingress: [inRule('Accept', [namespaces('x')])] }),
          cnp('deny-x', 'Admin', 20, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])] }),
        ],
        expect: [{ port: 80, rules: [] }],
      },
      { apply: [cnp('accept-x', 'Admin', 30, namespaces('y'), { ingress: [inRule('Accept', [namespaces('x')])] })], expect: [{ port: 80, rules: [xToY] }] },
      { apply: [cnp('deny-x', 'Admin', 40, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])] })], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp baseline priority order',
    steps: [
      {
        apply: [
          cnp('b-deny-x', 'Baseline', 5, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])] }),
          cnp('b-accept-all', 'Baseline', 6, namespaces('y'), { ingress: [inRule('Accept', [namespaces()])] }),
        ],
        expect: [{ port: 80, rules: [xToY] }],
      },
      { apply: [cnp('b-deny-x', 'Baseline', 7, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])] })], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp rule order within a policy',
    steps: [
      {
        apply: [cnp('ordered', 'Admin', 1, namespaces('y'), { ingress: [inRule('Accept', [pods('x', { pod: 'a' })], { name: 'accept-xa' }), inRule('Deny', [namespaces('x')], { name: 'deny-x' })] })],
        expect: [{ port: 80, rules: [xToY, when((f, t) => f.id === 'x/a' && t.ns === 'y', true)] }],
      },
      {
        apply: [cnp('ordered', 'Admin', 1, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')], { name: 'deny-x' }), inRule('Accept', [pods('x', { pod: 'a' })], { name: 'accept-xa' })] })],
        expect: [{ port: 80, rules: [xToY] }],
      },
    ],
  },
  {
    name: 'cnp update changes the action',
    description: 'y admits only z through a NetworkPolicy; the Admin rule on x goes Deny, Accept, Pass.',
    steps: [
      {
        apply: [allowIngressFrom('y', 'z'), denyXIntoY('x-into-y')],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'z' && t.ns === 'y', true)] }],
      },
      {
        apply: [cnp('x-into-y', 'Admin', 10, namespaces('y'), { ingress: [inRule('Accept', [namespaces('x')])] })],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns !== 'y' && t.ns === 'y', true)] }],
      },
      {
        apply: [cnp('x-into-y', 'Admin', 10, namespaces('y'), { ingress: [inRule('Pass', [namespaces('x')])] })],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'z' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'cnp delete restores access',
    steps: [
      { apply: [denyXIntoY('deny-x-to-y')], expect: [{ port: 80, rules: [xToY] }] },
      { delete: [deleteCnp('deny-x-to-y')], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp admin egress deny',
    steps: [{ apply: [cnp('x-not-to-y', 'Admin', 1, namespaces('x'), { egress: [outRule('Deny', [namespaces('y')])] })], expect: [{ port: 80, rules: [xToY] }, { port: 81, rules: [xToY] }] }],
  },
  {
    name: 'cnp egress accept still meets ingress deny at the destination',
    steps: [
      {
        apply: [
          cnp('x-out-anywhere', 'Admin', 1, namespaces('x'), { egress: [outRule('Accept', [namespaces()])] }),
          cnp('y-in-not-x', 'Admin', 2, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])] }),
        ],
        expect: [{ port: 80, rules: [xToY] }],
      },
    ],
  },
  {
    name: 'cnp egress accept wins over networkpolicy egress isolation',
    steps: [
      {
        apply: [np('x', 'no-egress', { podSelector: {}, policyTypes: ['Egress'] }), cnp('x-to-y', 'Admin', 1, namespaces('x'), { egress: [outRule('Accept', [namespaces('y')])] })],
        expect: [{ port: 80, rules: [from(inNs('x'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'cnp egress pass falls through to networkpolicy',
    steps: [
      {
        apply: [
          cnp('pass-to-y', 'Admin', 1, namespaces('x'), { egress: [outRule('Pass', [namespaces('y')])] }),
          cnp('deny-rest', 'Admin', 2, namespaces('x'), { egress: [outRule('Deny', [namespaces()])] }),
          np('x', 'egress-to-y-b', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }] }),
        ],
        expect: [{ port: 80, rules: [from(inNs('x'), false), when((f, t) => f.ns === 'x' && t.id === 'y/b', true)] }],
      },
    ],
  },
  {
    name: 'cnp baseline egress deny, then networkpolicy egress isolation',
    steps: [
      { apply: [cnp('z-not-to-x', 'Baseline', 1, namespaces('z'), { egress: [outRule('Deny', [namespaces('x')])] })], expect: [{ port: 80, rules: [when((f, t) => f.ns === 'z' && t.ns === 'x', false)] }] },
      { apply: [np('z', 'egress-all', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp ingress and egress in one policy',
    steps: [
      {
        apply: [cnp('both', 'Admin', 1, namespaces('y'), { ingress: [inRule('Deny', [namespaces('x')])], egress: [outRule('Deny', [namespaces('z')])] })],
        expect: [{ port: 80, rules: [xToY, when((f, t) => f.ns === 'y' && t.ns === 'z', false)] }],
      },
    ],
  },
  {
    name: 'cnp admin tier for one direction leaves the other to networkpolicy',
    description: 'An Admin ingress Accept does not touch egress: x stays egress-isolated by its NetworkPolicy.',
    steps: [
      {
        apply: [np('x', 'no-egress', { podSelector: {}, policyTypes: ['Egress'] }), cnp('accept-into-x', 'Admin', 1, namespaces('x'), { ingress: [inRule('Accept', [namespaces()])] })],
        expect: [{ port: 80, rules: [from(inNs('x'), false)] }],
      },
    ],
  },
  {
    name: 'cnp pass in baseline reaches the default allow',
    steps: [
      {
        apply: [
          cnp('b-pass-x', 'Baseline', 1, namespaces('y'), { ingress: [inRule('Pass', [namespaces('x')])] }),
          cnp('b-deny-all', 'Baseline', 2, namespaces('y'), { ingress: [inRule('Deny', [namespaces()])] }),
        ],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true)] }],
      },
    ],
  },
  {
    name: 'cnp subject by pods and peers by pods',
    steps: [
      {
        apply: [cnp('no-yc-to-a', 'Admin', 1, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'a' } } } }, { ingress: [inRule('Deny', [pods('y', { pod: 'c' })])] })],
        expect: [{ port: 80, rules: [when((f, t) => f.id === 'y/c' && t.pod === 'a', false)] }],
      },
      {
        apply: [cnp('no-yc-to-a', 'Admin', 1, { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'z' } }, podSelector: { matchLabels: { pod: 'b' } } } }, { ingress: [inRule('Deny', [pods(null, { pod: 'c' })])] })],
        expect: [{ port: 80, rules: [when((f, t) => f.pod === 'c' && t.id === 'z/b', false)] }],
      },
    ],
  },
  {
    name: 'cnp empty namespaces subject selects every pod',
    steps: [
      {
        apply: [cnp('nothing-from-z', 'Baseline', 1, { namespaces: {} }, { ingress: [inRule('Deny', [namespaces('z')])] })],
        expect: [{ port: 80, rules: [from(inNs('z'), false)] }],
      },
    ],
  },
  {
    name: 'cnp selectors with matchExpressions and several peers in a rule',
    steps: [
      {
        apply: [
          cnp('exprs', 'Admin', 1, { namespaces: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] } }, {
            ingress: [inRule('Deny', [pods('x', { pod: 'a' }), { namespaces: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['z'] }] } }], { name: 'xa-or-z' })],
          }),
        ],
        expect: [{ port: 80, rules: [when((f, t) => t.ns !== 'x' && (f.id === 'x/a' || f.ns === 'z'), false)] }],
      },
    ],
  },
  {
    name: 'cnp stacked admin deny and networkpolicy on the same pods',
    steps: [
      {
        apply: [allowIngressFrom('y', 'x'), cnp('no-xb', 'Admin', 1, namespaces('y'), { ingress: [inRule('Deny', [pods('x', { pod: 'b' })])] })],
        expect: [{ port: 80, rules: [to(into('y'), false), when((f, t) => f.ns === 'x' && t.ns === 'y', true), when((f, t) => f.id === 'x/b' && t.ns === 'y', false)] }],
      },
      { delete: [deleteCnp('no-xb'), { namespace: 'y', name: 'from-x' }], expect: [{ port: 80, rules: [] }] },
    ],
  },
  {
    name: 'cnp deny to one pod is exact',
    steps: [{ apply: [cnp('no-x-to-zc', 'Admin', 1, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } } }, { ingress: [inRule('Deny', [namespaces('x')])] })], expect: [{ port: 80, rules: [when((f, t) => f.ns === 'x' && t.pod === 'c', false)] }] }],
  },
];

export { is };
