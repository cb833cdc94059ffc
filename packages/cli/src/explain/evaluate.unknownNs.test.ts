/**
 * explain while a namespace's stored value cannot be read: its labels are UNKNOWN, and
 * explain must say what the agents enforce then (validation filter, label index, the
 * model's containClusterPolicy), not treat the namespace as unlabelled.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterPolicy, Policy } from '@palisade/model';
import {
  cnpIngress,
  cnpSelector,
  ingressRule,
  ip,
  labels,
  makeClusterPolicy,
  makeData,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  onNode,
  peer,
  rawSelector,
  subject,
  tier,
} from '../testing/builders.js';
import { ModelView } from '../view/modelView.js';
import { explainConnection } from './evaluate.js';
import type { SideVerdict } from './types.js';

// x and y are readable; z's stored value is corrupt (its labels would be env=prod, team=z).
const endpoints = ['x', 'y', 'z'].flatMap((ns, i) =>
  ['a', 'b'].map((pod, j) => makeEndpoint(ns, pod, ip(`10.0.${i}.${j + 1}`), labels({ pod }), onNode('node-0'))),
);
const namespaces = [makeNamespace('x', { team: 'x', env: 'dev' }), makeNamespace('y', { team: 'y', env: 'dev' })];
const inTeam = (t: string): string => cnpSelector({ namespaces: { matchLabels: { team: t } } });
const notProd = cnpSelector({ namespaces: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } });
const admin = (name: string, priority: number, ...t: Parameters<typeof makeClusterPolicy>[1][]): ClusterPolicy =>
  makeClusterPolicy(name, tier('Admin', priority), ...t);
const baseline = (name: string, priority: number, ...t: Parameters<typeof makeClusterPolicy>[1][]): ClusterPolicy =>
  makeClusterPolicy(name, tier('Baseline', priority), ...t);

function view(parts: { cnps?: ClusterPolicy[]; policies?: Policy[] }, zReadable = false): ModelView {
  const data = makeData({
    clusterPolicies: parts.cnps ?? [],
    policies: parts.policies ?? [],
    endpoints,
    namespaces: zReadable ? [...namespaces, makeNamespace('z', { team: 'z', env: 'prod' })] : namespaces,
  });
  if (!zReadable) data.invalid.push({ key: '/palisade/v1/namespace/z', error: 'JSON: Unexpected token' });
  return new ModelView(data);
}
const explain = (v: ModelView, from: string, to: string): { egress: SideVerdict; ingress: SideVerdict; allowed: boolean } =>
  explainConnection(v, { from, to, port: 80, protocol: 'TCP' });

describe('explain with an unreadable namespace (labels unknown)', () => {
  it('knows which namespaces cannot be read', () => {
    expect([...view({}).unreadableNamespaces]).toEqual(['z']);
    expect([...view({}, true).unreadableNamespaces]).toEqual([]);
  });

  it('an Admin Deny peer matches a pod of the unreadable namespace (possibly matches)', () => {
    const cnps = [admin('no-z', 10, subject(inTeam('y')), cnpIngress({ name: 'no-z', action: 'Deny', peers: [{ selector: inTeam('z') }] }))];
    const v = explain(view({ cnps }), 'z/a', 'y/b');
    expect(v.allowed).toBe(false);
    expect(v.ingress).toMatchObject({ state: 'denied', tier: 'Admin', policy: 'no-z', rule: 1, ruleName: 'no-z' });
    expect(v.ingress.reason).toMatch(/namespace labels of z cannot be read: cluster policy no-z is enforced fail-closed/);
    // Readable, the labels decide as usual (and the same pod is denied for the real reason).
    expect(explain(view({ cnps }, true), 'z/a', 'y/b').ingress).toMatchObject({ state: 'denied', policy: 'no-z' });
    expect(explain(view({ cnps }, true), 'x/a', 'y/b').allowed).toBe(true);
  });

  it('an Admin Accept peer does not match it: the next tier decides', () => {
    const cnps = [
      admin('let-z', 10, subject(inTeam('y')), cnpIngress({ action: 'Accept', peers: [{ selector: inTeam('z') }] })),
      baseline('closed', 10, cnpIngress({ name: 'deny', action: 'Deny' })),
    ];
    expect(explain(view({ cnps }, true), 'z/a', 'y/b').ingress).toMatchObject({ state: 'allowed', tier: 'Admin', policy: 'let-z' });
    expect(explain(view({ cnps }), 'z/a', 'y/b').ingress).toMatchObject({ state: 'denied', tier: 'Baseline', policy: 'closed' });
  });

  it('a negative peer selector (NotIn) does not match it either: unknown is not "not prod"', () => {
    const cnps = [admin('dev-ok', 10, subject(inTeam('y')), cnpIngress({ action: 'Accept', peers: [{ selector: notProd }] })), baseline('closed', 10, cnpIngress({ action: 'Deny' }))];
    expect(explain(view({ cnps }), 'x/a', 'y/b').ingress).toMatchObject({ state: 'allowed', policy: 'dev-ok' });
    expect(explain(view({ cnps }), 'z/a', 'y/b').ingress).toMatchObject({ state: 'denied', tier: 'Baseline' });
  });

  it('a Pass that only possibly matches denies, named by the stored Pass rule', () => {
    const cnps = [admin('to-np', 10, subject(inTeam('y')), cnpIngress({ action: 'Accept', peers: [{ selector: inTeam('q') }] }, { name: 'pass-z', action: 'Pass', peers: [{ selector: inTeam('z') }] }))];
    const policies = [makePolicy('y', 'allow-all', ingressRule({}))];
    // Readable: the Pass hands over to the NetworkPolicy, which allows.
    expect(explain(view({ cnps, policies }, true), 'z/a', 'y/b').ingress).toMatchObject({ state: 'allowed', tier: 'NetworkPolicy' });
    const v = explain(view({ cnps, policies }), 'z/a', 'y/b');
    expect(v.ingress).toMatchObject({ state: 'denied', tier: 'Admin', policy: 'to-np', rule: 2, ruleName: 'pass-z' });
  });

  it('a subject reading namespace labels possibly selects pods of the namespace for Deny (the companion), named as the stored policy', () => {
    const cnps = [admin('guard-z', 10, subject(inTeam('z')), cnpIngress({ action: 'Accept', peers: [{ selector: inTeam('y') }] }, { name: 'rest', action: 'Deny' }))];
    const readable = explain(view({ cnps }, true), 'y/a', 'z/b');
    expect(readable.ingress).toMatchObject({ state: 'allowed', tier: 'Admin', policy: 'guard-z', rule: 1 });
    // Unknown: the Accept cannot apply (z/b is not certainly selected), the Deny can.
    const v = explain(view({ cnps }), 'y/a', 'z/b');
    expect(v.ingress).toMatchObject({ state: 'denied', tier: 'Admin', policy: 'guard-z', rule: 2, ruleName: 'rest' });
  });

  it('a NetworkPolicy peer with NotIn does not admit the unreadable namespace', () => {
    const policies = [makePolicy('y', 'dev-only', ingressRule({ peers: [peer('y', { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } })] }))];
    expect(explain(view({ policies }), 'x/a', 'y/b').ingress).toMatchObject({ state: 'allowed', policy: 'y/dev-only' });
    expect(explain(view({ policies }), 'z/a', 'y/b').ingress).toMatchObject({ state: 'isolated', policies: ['y/dev-only'] });
  });

  it('a policy of the unreadable namespace whose selector reads its labels isolates the whole namespace', () => {
    const policies = [makePolicy('z', 'prod-open', rawSelector("ns:env == 'dev' && pal:namespace == 'z'"), ingressRule({}))];
    // Readable (env=prod) it selects nothing; unknown, the agents isolate all of z through it.
    expect(explain(view({ policies }, true), 'x/a', 'z/b').ingress).toMatchObject({ state: 'not-isolated' });
    const v = explain(view({ policies }), 'x/a', 'z/b');
    expect(v.ingress).toMatchObject({ state: 'isolated', policies: ['z/prod-open'] });
    expect(v.ingress.reason).toMatch(/namespace z cannot be read and the selector of policy z\/prod-open reads its labels: the agents isolate every pod of z through it and allow nothing/);
  });
});
