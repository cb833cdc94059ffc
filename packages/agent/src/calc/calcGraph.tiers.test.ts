import { describe, expect, it } from 'vitest';
import { canonicalSelector } from '@palisade/model';
import type { EndpointUpdate, PolicyUpdate } from '../messages.js';
import {
  cnpEgress,
  cnpError,
  cnpIngress,
  cnpInput,
  cnpSelector,
  cnpTier,
  deleted,
  epInput,
  makeClusterPolicy,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  nsInput,
  policyInput,
  withSelector,
} from './testing/builders.js';
import { TEST_NODE as NODE, graph } from './testing/graphHarness.js';

const c = canonicalSelector;
const cref = (name: string) => ({ namespace: '', name });

const web = makeEndpoint('ns-a', 'web', {
  node: NODE,
  ips: ['10.0.0.1'],
  labels: { app: 'web' },
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
});
const db = makeEndpoint('ns-b', 'db', { node: 'node-2', ips: ['10.0.0.2'], labels: { app: 'db' } });
const base = [nsInput(makeNamespace('ns-a')), nsInput(makeNamespace('ns-b')), epInput(web), epInput(db)];

const endpointOf = (msgs: unknown[], name: string): EndpointUpdate | undefined =>
  (msgs as EndpointUpdate[]).find((m) => m.type === 'EndpointUpdate' && m.endpoint.name === name);
const policyOf = (msgs: unknown[], name: string): PolicyUpdate | undefined =>
  (msgs as PolicyUpdate[]).find((m) => m.type === 'PolicyUpdate' && m.policy.name === name);

describe('CalcGraph: cluster policy tiers', () => {
  it('lists Admin by (priority, name), then NetworkPolicies, then Baseline', () => {
    const { first } = graph(
      ...base,
      cnpInput(makeClusterPolicy('b-admin', cnpTier('Admin', 5), cnpIngress({ action: 'Deny' }))),
      cnpInput(makeClusterPolicy('a-admin', cnpTier('Admin', 5), cnpIngress({ action: 'Pass' }))),
      cnpInput(makeClusterPolicy('first', cnpTier('Admin', 1), cnpIngress({}))),
      cnpInput(makeClusterPolicy('floor', cnpTier('Baseline', 0), cnpIngress({ action: 'Deny' }))),
      policyInput(makePolicy('ns-a', 'np', withSelector("pal:namespace == 'ns-a'"))),
    );
    expect(endpointOf(first, 'web')?.ingress).toEqual({
      isolated: true,
      policies: [{ namespace: 'ns-a', name: 'np' }],
      admin: [cref('first'), cref('a-admin'), cref('b-admin')],
      baseline: [cref('floor')],
    });
    // No egress rules anywhere: the egress side is the plain, unisolated one.
    expect(endpointOf(first, 'web')?.egress).toEqual({ isolated: false, policies: [] });
    expect(policyOf(first, 'first')).toEqual({
      type: 'PolicyUpdate',
      policy: cref('first'),
      inbound: [{ action: 'Allow', peers: null, ports: null }],
      outbound: null,
    });
  });

  it('an endpoint no cluster policy selects carries no tier lists', () => {
    const { first } = graph(
      ...base,
      cnpInput(makeClusterPolicy('db-only', cnpSelector("app == 'db'"), cnpIngress({}))),
    );
    expect(endpointOf(first, 'web')?.ingress).toEqual({ isolated: false, policies: [] });
    expect(policyOf(first, 'db-only')).toBeUndefined();
  });

  it('resolves destinationNamedPort on the subject for ingress', () => {
    const { first } = graph(
      ...base,
      cnpInput(
        makeClusterPolicy('named', cnpIngress({ ports: [{ protocol: 'TCP', port: 'http' }] })),
      ),
    );
    const update = first.find((m) => m.type === 'IpSetUpdate' && m.set.kind === 'n');
    expect(update).toMatchObject({ members: ['10.0.0.1,tcp:8080'] });
    expect(policyOf(first, 'named')?.inbound?.[0]?.ports?.[0]).toMatchObject({ kind: 'named' });
  });

  it('fails closed: an error becomes Deny-all in each direction that has rules', () => {
    const { first } = graph(
      ...base,
      cnpInput(
        makeClusterPolicy('broken', cnpTier('Baseline', 3), cnpEgress({ action: 'Accept' }), cnpError),
      ),
    );
    expect(policyOf(first, 'broken')).toEqual({
      type: 'PolicyUpdate',
      policy: cref('broken'),
      inbound: null,
      outbound: [{ action: 'Deny', peers: null, ports: null }],
    });
    expect(endpointOf(first, 'web')?.egress.baseline).toEqual([cref('broken')]);
  });

  it('moves a policy between tiers and drops it on delete', () => {
    const admin = makeClusterPolicy('p', cnpTier('Admin', 1), cnpIngress({}));
    const { send } = graph(...base, cnpInput(admin));
    const moved = send(cnpInput(makeClusterPolicy('p', cnpTier('Baseline', 1), cnpIngress({}))));
    expect(endpointOf(moved, 'web')?.ingress).toEqual({
      isolated: false,
      policies: [],
      baseline: [cref('p')],
    });
    const gone = send(deleted(cnpInput(admin)));
    expect(endpointOf(gone, 'web')?.ingress).toEqual({ isolated: false, policies: [] });
    expect(gone.map((m) => m.type)).toEqual(['EndpointUpdate', 'PolicyRemove']);
  });

  it('shares a peer selector set with a NetworkPolicy', () => {
    const peer = { selector: "app == 'db'" };
    const { first } = graph(
      ...base,
      cnpInput(makeClusterPolicy('x', cnpIngress({ peers: [peer] }))),
      policyInput(
        makePolicy('ns-a', 'np', withSelector("pal:namespace == 'ns-a'"), (p) => {
          p.spec.ingress = [{ action: 'Allow', peers: [peer], ports: [] }];
        }),
      ),
    );
    const sets = first.filter((m) => m.type === 'IpSetUpdate');
    expect(sets).toEqual([
      { type: 'IpSetUpdate', set: { kind: 's', identity: c("app == 'db'") }, members: ['10.0.0.2'] },
    ]);
  });
});
