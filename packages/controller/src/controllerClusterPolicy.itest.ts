/**
 * ClusterNetworkPolicies through the controller as a real process, a real etcd and
 * the test API server: create, update, delete end up in etcd; a domainNames peer fails
 * closed and the status condition names it. Then, behind a proxy that hides the API
 * group (a cluster without the CRD): NetworkPolicies keep working, a CRD installed
 * later is picked up, and one removed takes its policies with it.
 */
import { ClusterPolicySchema, clusterPolicyKey, policyKey, PolicySchema } from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCondition } from './clusterPolicyStatus.js';
import { CLUSTER_NETWORK_POLICIES_PATH } from './informers.js';
import { cnpEgress, cnpIngress, cnpSet, makeClusterNetworkPolicy, makeNamespace, makeNetworkPolicy } from './testing/builders.js';
import { ControllerProcess } from './testing/controllerProcess.js';
import { startHidingProxy, type HidingProxy } from './testing/hidingProxy.js';
import { startItestEnv, type ItestEnv } from './testing/itestEnv.js';
import { waitFor } from './testing/waitFor.js';

const NOT_SERVED = 'the test API server does not serve policy.networking.k8s.io/v1alpha2 clusternetworkpolicies';

async function serves(env: ItestEnv): Promise<boolean> {
  const res = await fetch(`${env.kube.url}${CLUSTER_NETWORK_POLICIES_PATH}`);
  await res.text();
  return res.status === 200;
}

async function condition(env: ItestEnv, name: string, generation: number) {
  return waitFor(`Accepted condition of ${name} at generation ${generation}`, async () => {
    const c = findCondition((await env.rest.getClusterPolicy(name)).status?.conditions, 'Accepted');
    return c?.observedGeneration === generation ? c : undefined;
  });
}

describe('ClusterNetworkPolicies', () => {
  let env: ItestEnv;

  beforeAll(async () => {
    env = await startItestEnv();
    // The test API server serves the resource (with the chart's CRD schema); not serving it is a failure here.
    expect(await serves(env), NOT_SERVED).toBe(true);
    const ctl = env.startController('ctl-cnp');
    await ctl.waitForLog((l) => l.message === 'full reconcile done');
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('create, update in place, delete; Accepted follows the generation', async () => {
    const key = clusterPolicyKey('guard');
    const cnp = makeClusterNetworkPolicy(
      'guard',
      cnpSet('subject', { namespaces: { matchLabels: { team: 'a' } } }),
      cnpIngress({
        name: 'allow-monitoring',
        action: 'Accept',
        from: [{ pods: { namespaceSelector: { matchLabels: { team: 'mon' } }, podSelector: { matchLabels: { app: 'prom' } } } }],
        protocols: [{ tcp: { destinationPort: { number: 9100 } } }],
      }),
      cnpIngress({ action: 'Deny', from: [{ namespaces: {} }] }),
      cnpEgress({ action: 'Pass', to: [{ networks: ['10.1.2.3/16'] }], protocols: [{ udp: { destinationPort: { range: { start: 5000, end: 5100 } } } }] }),
    );
    await env.rest.createClusterPolicy(cnp);
    const created = await waitFor('cluster policy', () => env.client.get(key, ClusterPolicySchema));
    expect(created.value).toEqual({
      apiVersion: 'palisade.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'guard', uid: expect.any(String) as string },
      spec: {
        tier: 'Admin',
        priority: 10,
        selector: "ns:team == 'a'",
        ingress: [
          { name: 'allow-monitoring', action: 'Accept', peers: [{ selector: "app == 'prom' && ns:team == 'mon'" }], ports: [{ protocol: 'TCP', port: 9100 }] },
          { name: 'ingress[1]', action: 'Deny', peers: [{ selector: 'all()' }], ports: [] },
        ],
        egress: [{ name: 'egress[0]', action: 'Pass', peers: [{ cidr: '10.1.0.0/16', except: [] }], ports: [{ protocol: 'UDP', port: 5000, endPort: 5100 }] }],
        warnings: [],
      },
    });
    expect(await condition(env, 'guard', 1)).toMatchObject({ status: 'True', reason: 'Accepted' });

    cnp.spec!.priority = 20;
    cnp.spec!.tier = 'Baseline';
    await env.rest.updateClusterPolicy(cnp);
    const updated = await waitFor('update', async () => {
      const v = await env.client.get(key, ClusterPolicySchema);
      return v?.value.spec.priority === 20 ? v : undefined;
    });
    expect(updated.value.spec.tier).toBe('Baseline');
    expect(updated.createRevision).toBe(created.createRevision);
    const accepted = await condition(env, 'guard', 2);
    expect(accepted).toMatchObject({ status: 'True', reason: 'Accepted' });

    // The status write is not echoed into another write: the condition stays as it is.
    const rv = (await env.rest.getClusterPolicy('guard')).metadata?.resourceVersion;
    await new Promise((r) => setTimeout(r, 300));
    expect((await env.rest.getClusterPolicy('guard')).metadata?.resourceVersion).toBe(rv);

    await env.rest.deleteClusterPolicy('guard');
    await waitFor('delete', async () => (await env.client.get(key, ClusterPolicySchema)) === null);
  });

  it('a domainNames peer fails closed, and the status names the field', async () => {
    const cnp = makeClusterNetworkPolicy(
      'docs-only',
      cnpSet('tier', 'Baseline'),
      cnpEgress({ name: 'cluster', action: 'Accept', to: [{ namespaces: {} }] }),
      cnpEgress({ name: 'docs', action: 'Deny', to: [{ domainNames: ['*.example.com'] }] }),
    );
    // The chart's CRD keeps the experimental domainNames peer in its schema, so that the
    // controller sees it and fails closed instead of the API server pruning it silently.
    await env.rest.createClusterPolicy(cnp);
    const stored = await waitFor('cluster policy', () => env.client.get(clusterPolicyKey('docs-only'), ClusterPolicySchema));
    expect(stored.value.spec.egress).toEqual([
      { name: 'cluster', action: 'Accept', peers: [{ selector: 'all()' }], ports: [] },
      { name: 'docs', action: 'Deny', peers: [], ports: [] },
    ]);
    const warning = 'spec.egress[1].to[0].domainNames: not supported; the rule denies all traffic';
    expect(stored.value.spec.warnings).toEqual([warning]);
    expect(await condition(env, 'docs-only', 1)).toMatchObject({ status: 'False', reason: 'FailClosed', message: warning });
  });
});

describe('a cluster without the ClusterNetworkPolicy API', () => {
  let env: ItestEnv;
  let proxy: HidingProxy;
  let ctl: ControllerProcess;

  beforeAll(async () => {
    env = await startItestEnv();
    expect(await serves(env), NOT_SERVED).toBe(true);
    proxy = await startHidingProxy(env.kube.url, '/apis/policy.networking.k8s.io');
    ctl = ControllerProcess.start({
      kubeconfig: proxy.kubeconfigPath,
      etcdEndpoints: env.etcd.endpoints,
      id: 'ctl-no-crd',
      resyncInterval: '1s',
    });
    await ctl.waitForLog((l) => l.message === 'full reconcile done');
  });
  afterAll(async () => {
    await ctl?.stop();
    await proxy?.stop();
    await env?.teardown();
  });

  it('keeps translating NetworkPolicies, says so once, and keeps looking', async () => {
    await env.rest.createNamespace(makeNamespace('apps'));
    await env.rest.createPolicy(makeNetworkPolicy('deny-all', 'apps'));
    await waitFor('policy', () => env.client.get(policyKey('apps', 'deny-all'), PolicySchema)).catch((err: unknown) => {
      throw new Error(`${String(err)}; logs: ${JSON.stringify(ctl.logs.slice(-8)).slice(0, 1500)}`);
    });
    await waitFor('two checks', () => proxy.refused >= 3);
    const notServed = ctl.logs.filter((l) => l.message.startsWith('resource not served by the API server'));
    expect(notServed).toHaveLength(1);
    expect(notServed[0]).toMatchObject({ level: 'info', resource: 'clusternetworkpolicies' });
    expect(ctl.logs.filter((l) => l.level === 'warn' && l.resource === 'clusternetworkpolicies')).toEqual([]);
    expect((await ctl.get('/readyz')).status).toBe(200);
  });

  it('picks up a CRD installed later, and drops its policies when it is removed', async () => {
    await env.rest.createClusterPolicy(makeClusterNetworkPolicy('late', cnpIngress({ action: 'Deny', from: [{ namespaces: {} }] })));
    const key = clusterPolicyKey('late');
    proxy.hidden = false;
    await waitFor('picked up', () => env.client.get(key, ClusterPolicySchema));
    expect(await condition(env, 'late', 1)).toMatchObject({ status: 'True' });
    proxy.hidden = true;
    await waitFor('dropped', async () => (await env.client.get(key, ClusterPolicySchema)) === null);
    // NetworkPolicies were never disturbed.
    expect(await env.client.get(policyKey('apps', 'deny-all'), PolicySchema)).not.toBeNull();
  });
});
