/** The sections of FORMAT.md added for ClusterNetworkPolicy: cluster-scoped policies, explicit pods and ports. */
import { describe, expect, it } from 'vitest';
import { matrixOrder, parseScenarioText, usesClusterPolicies } from './format.js';

const parse = (text: string) => parseScenarioText(text, 'f')[0]!.scenario;
const row = (n: number): string => '1'.repeat(n);
const matrix = (n: number): string => `[${Array.from({ length: n }, () => `"${row(n)}"`).join(', ')}]`;

const CNP = `{apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {name: g}, spec: {tier: Admin, priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}}`;
const NP = `{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: n, namespace: x}, spec: {podSelector: {}}}`;
const ONE = 'cluster: {namespaces: {x: {}}, pods: [a], ports: [80]}\n';

describe('explicit pods', () => {
  const text = `name: houses
cluster:
  namespaces:
    x: {team: red}
    gryffindor:
      labels: {conformance-house: gryffindor}
      pods:
        harry-potter-0: {conformance-house: gryffindor}
        harry-potter-1: {conformance-house: gryffindor, role: seeker}
    empty: {labels: {a: b}}
    nopods: {pods: {}}
    labelled-labels: {labels-x: "1"}
  pods: [a, b]
steps:
  - expect: [{port: 80, matrix: ${matrix(6)}}]
`;

  it('gives short-form namespaces the pods of `pods`, long-form ones exactly their own', () => {
    const s = parse(text);
    expect(matrixOrder(s)).toEqual(['x/a', 'x/b', 'gryffindor/harry-potter-0', 'gryffindor/harry-potter-1', 'labelled-labels/a', 'labelled-labels/b']);
    expect(s.cluster.pods.find((p) => p.id === 'gryffindor/harry-potter-1')!.labels).toEqual({ 'conformance-house': 'gryffindor', role: 'seeker' });
    expect(s.cluster.pods.find((p) => p.id === 'x/a')!.labels).toEqual({ pod: 'a' });
    expect(s.cluster.namespaces).toEqual([
      { name: 'x', labels: { team: 'red' } },
      { name: 'gryffindor', labels: { 'conformance-house': 'gryffindor' } },
      { name: 'empty', labels: { a: 'b' } },
      { name: 'nopods', labels: {} },
      { name: 'labelled-labels', labels: { 'labels-x': '1' } },
    ]);
  });

  it('reads a short-form label called `labels` (a string) as a label', () => {
    const s = parse(`name: t\ncluster: {namespaces: {x: {labels: "yes", pods: "no"}}, pods: [a], ports: [80]}\nsteps: [{expect: []}]\n`);
    expect(s.cluster.namespaces[0]!.labels).toEqual({ labels: 'yes', pods: 'no' });
    expect(matrixOrder(s)).toEqual(['x/a']);
  });

  it('takes a pod without labels as a pod with none', () => {
    const s = parse(`name: t\ncluster: {namespaces: {x: {pods: {p: null, q: {}}}}, ports: [80]}\nsteps: [{expect: [{port: 80, matrix: ["11", "11"]}]}]\n`);
    expect(s.cluster.pods.map((p) => [p.id, p.labels])).toEqual([['x/p', {}], ['x/q', {}]]);
  });
});

describe('explicit ports', () => {
  it('serves a number on every protocol and an object on one, with its name', () => {
    const s = parse(`name: t\ncluster: {namespaces: {x: {}}, pods: [a], ports: [81, {port: 80, protocol: TCP, name: web}, {port: 8080, protocol: UDP}]}\nsteps: [{expect: [{port: 80, matrix: ["1"]}, {port: 8080, protocol: UDP, matrix: ["1"]}]}]\n`);
    expect(s.cluster.ports).toEqual([
      { port: 81, protocol: 'TCP', name: 'serve-81-tcp' },
      { port: 81, protocol: 'UDP', name: 'serve-81-udp' },
      { port: 81, protocol: 'SCTP', name: 'serve-81-sctp' },
      { port: 80, protocol: 'TCP', name: 'web' },
      { port: 8080, protocol: 'UDP', name: 'serve-8080-udp' },
    ]);
  });

  it.each([
    ['a port/protocol the pods do not serve', 'ports: [{port: 80, protocol: TCP}]', '{port: 80, protocol: UDP, matrix: ["1"]}', /steps\.0\.expect\.0: the pods do not serve UDP\/80/],
    ['a port not served at all', 'ports: [80]', '{port: 81, matrix: ["1"]}', /steps\.0\.expect\.0: the pods do not serve TCP\/81/],
    ['a port object without protocol', 'ports: [{port: 80}]', '', /cluster\.ports\.0\.protocol: Required/],
    ['an unknown key in a port', 'ports: [{port: 80, protocol: TCP, nmae: web}]', '', /cluster\.ports\.0: Unrecognized key.*nmae/],
    ['a port that is a string', 'ports: ["80"]', '', /cluster\.ports\.0: a port is a number or \{port, protocol, name\}/],
    ['a port out of range', 'ports: [{port: 70000, protocol: TCP}]', '', /cluster\.ports\.0\.port: Number must be less than or equal to 65535/],
    ['a bad protocol', 'ports: [{port: 80, protocol: tcp}]', '', /cluster\.ports\.0\.protocol: Invalid enum value/],
    ['a name too long', 'ports: [{port: 80, protocol: TCP, name: a-very-long-port-name}]', '', /cluster\.ports\.0\.name: a container port name has at most 15/],
    ['a name of digits', 'ports: [{port: 80, protocol: TCP, name: "8080"}]', '', /cluster\.ports\.0\.name: a container port name has a letter/],
    ['a name used twice', 'ports: [{port: 80, protocol: TCP, name: web}, {port: 81, protocol: TCP, name: web}]', '', /cluster\.ports\.1: container port name web is already used by ports\.0/],
    ['a port served twice', 'ports: [80, {port: 80, protocol: UDP}]', '', /cluster\.ports\.1: 80\/UDP is already served by ports\.0/],
    ['a default name Kubernetes rejects', 'ports: [10000]', '', /cluster\.ports\.0: the container port name serve-10000-sctp is longer than 15/],
  ])('rejects %s', (_n, ports, expectation, re) => {
    const text = `name: t\ncluster: {namespaces: {x: {}}, pods: [a], ${ports}}\nsteps: [{expect: [${expectation}]}]\n`;
    expect(() => parseScenarioText(text, 'f')).toThrow(re);
  });
});

describe('cluster-scoped policies', () => {
  it('applies and deletes ClusterNetworkPolicies; delete defaults to NetworkPolicy', () => {
    const s = parse(`name: t\n${ONE}steps:\n  - apply: [${CNP}, ${NP}]\n    delete: [{kind: ClusterNetworkPolicy, name: g}, {namespace: x, name: n}, {kind: NetworkPolicy, namespace: x, name: m}]\n`);
    expect(s.steps[0]!.delete).toEqual([
      { kind: 'ClusterNetworkPolicy', name: 'g' },
      { kind: 'NetworkPolicy', namespace: 'x', name: 'n' },
      { kind: 'NetworkPolicy', namespace: 'x', name: 'm' },
    ]);
    expect(usesClusterPolicies(s)).toBe(true);
    expect(usesClusterPolicies(parse(`name: t\n${ONE}steps: [{apply: [${NP}]}]\n`))).toBe(false);
  });

  it.each([
    ['a CNP with a namespace', `apply: [{apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {name: g, namespace: x}, spec: {}}]`, /steps\.0\.apply\.0\.metadata\.namespace: a ClusterNetworkPolicy is cluster-scoped/],
    ['a CNP of the wrong apiVersion', `apply: [{apiVersion: policy.networking.k8s.io/v1alpha1, kind: ClusterNetworkPolicy, metadata: {name: g}, spec: {}}]`, /steps\.0\.apply\.0\.apiVersion: a ClusterNetworkPolicy is policy\.networking\.k8s\.io\/v1alpha2/],
    ['an unknown kind', `apply: [{apiVersion: v1, kind: Pod, metadata: {name: g}}]`, /steps\.0\.apply\.0\.kind: must be NetworkPolicy or ClusterNetworkPolicy/],
    ['a manifest without a name', `apply: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {namespace: x}, spec: {}}]`, /steps\.0\.apply\.0\.metadata\.name: Required/],
    ['a NetworkPolicy without a namespace', `apply: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: n}, spec: {}}]`, /steps\.0\.apply\.0\.metadata\.namespace: Required for a NetworkPolicy/],
    ['a CNP delete with a namespace', `delete: [{kind: ClusterNetworkPolicy, name: g, namespace: x}]`, /steps\.0\.delete\.0\.namespace: a ClusterNetworkPolicy is cluster-scoped/],
    ['a NetworkPolicy delete without a namespace', `delete: [{name: n}]`, /steps\.0\.delete\.0\.namespace: Required for a NetworkPolicy/],
    ['a delete of another kind', `delete: [{kind: Pod, name: n}]`, /steps\.0\.delete\.0\.kind: Invalid enum value/],
    ['an unknown key in a delete', `delete: [{kind: ClusterNetworkPolicy, nmae: n}]`, /steps\.0\.delete\.0: Unrecognized key.*nmae/],
    ['a placeholder of an unknown pod', `apply: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: n, namespace: x}, spec: {ingress: [{from: [{ipBlock: {cidr: "\${cidr:x/zz}"}}]}]}}]`, /steps\.0\.apply\.0: placeholder refers to unknown pod x\/zz/],
    ['relabelling an unknown pod', `setPodLabels: [{pod: x/zz, labels: {}}]`, /steps\.0\.setPodLabels\.0\.pod: unknown pod x\/zz/],
    ['relabelling an unknown namespace', `setNamespaceLabels: [{namespace: q, labels: {}}]`, /steps\.0\.setNamespaceLabels\.0\.namespace: unknown namespace q/],
    ['recreating an unknown pod', `recreatePods: [{pod: y/a}]`, /steps\.0\.recreatePods\.0\.pod: unknown pod y\/a/],
  ])('rejects %s', (_n, step, re) => {
    expect(() => parseScenarioText(`name: t\n${ONE}steps:\n  - ${step}\n`, 'f')).toThrow(re);
  });
});

describe('steps', () => {
  it('allows a step with only expect, and one with only changes', () => {
    const s = parse(`name: t\n${ONE}steps:\n  - expect: [{port: 80, matrix: ["1"]}]\n  - apply: [${NP}]\n  - {}\n`);
    expect(s.steps.map((st) => st.expect.length)).toEqual([1, 0, 0]);
  });

  it.each([
    ['a namespace label that is not a string', 'namespaces: {x: {team: 1}}, pods: [a], ports: [80]', /cluster\.namespaces\.x\.team: Expected string, received number/],
    ['a pod label that is not a string', 'namespaces: {x: {pods: {p: {n: 1}}}}, ports: [80]', /cluster\.namespaces\.x\.pods\.p\.n: Expected string, received number/],
    ['an unknown key in a long-form namespace', 'namespaces: {x: {labels: {a: b}, team: red}}, ports: [80]', /cluster\.namespaces\.x: Unrecognized key.*team/],
    ['a pod name that is not a DNS label', 'namespaces: {x: {pods: {Harry: {}}}}, ports: [80]', /cluster\.namespaces\.x\.pods\.Harry: must be a DNS label/],
    ['a namespace named by digits only', 'namespaces: {"123": {}}, pods: [a], ports: [80]', /digits only/],
    ['a pod listed twice', 'namespaces: {x: {}}, pods: [a, a], ports: [80]', /cluster\.pods: pod a is listed twice/],
  ])('rejects %s', (_n, cluster, re) => {
    expect(() => parseScenarioText(`name: t\ncluster: {${cluster}}\nsteps: [{expect: []}]\n`, 'f')).toThrow(re);
  });

  it('sizes the matrix by the pods that exist', () => {
    const text = `name: t\ncluster: {namespaces: {x: {pods: {p: {}}}, y: {}}, pods: [a, b], ports: [80]}\nsteps: [{expect: [{port: 80, matrix: ${matrix(9)}}]}]\n`;
    expect(() => parseScenarioText(text, 'f')).toThrow(/steps\.0\.expect\.0\.matrix: must be 3 rows of 3 cells/);
  });
});
