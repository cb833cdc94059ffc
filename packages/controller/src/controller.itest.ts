/**
 * The controller as a real process against the test Kubernetes API server and a real
 * etcd: create, update and delete of each kind end up in etcd; health endpoints.
 */
import { startKubeApi, type KubeApi } from '@palisade/kube-api';
import { EtcdClient } from '@palisade/datastore';
import { startEtcd, type TestEtcd } from '@palisade/datastore/testing';
import {
  LAST_DELETE_KEY,
  LastDeleteSchema,
  EndpointSchema,
  NamespaceSchema,
  PolicySchema,
  endpointKey,
  namespaceKey,
  policyKey,
} from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNamespace, makeNetworkPolicy, makePod, onNode, podIPs } from './testing/builders.js';
import { ControllerProcess } from './testing/controllerProcess.js';
import { KubeRest } from './testing/kubeRest.js';
import { waitFor } from './testing/waitFor.js';

let etcd: TestEtcd;
let kube: KubeApi;
let client: EtcdClient;
let rest: KubeRest;
let ctl: ControllerProcess;

beforeAll(async () => {
  [etcd, kube] = await Promise.all([startEtcd(), startKubeApi()]);
  client = EtcdClient.connect({ endpoints: etcd.endpoints });
  rest = new KubeRest(kube.url);
  ctl = ControllerProcess.start({
    kubeconfig: kube.kubeconfigPath,
    etcdEndpoints: etcd.endpoints,
    id: 'ctl-a',
  });
  await ctl.waitForLog((l) => l.message === 'full reconcile done');
});

afterAll(async () => {
  await ctl?.stop();
  await client?.close();
  await kube?.stop();
  await etcd?.destroy();
});

describe('controller process', () => {
  it('serves /livez, /readyz and /metrics, and leads', async () => {
    await waitFor('ready', async () => (await ctl.get('/readyz')).status === 200);
    expect((await ctl.get('/livez')).status).toBe(200);
    expect(await ctl.metric('palisade_controller_is_leader')).toBe(1);
  });

  it('writes the bootstrap namespaces', async () => {
    const ns = await waitFor('default namespace', () =>
      client.get(namespaceKey('default'), NamespaceSchema),
    );
    expect(ns?.value.spec.labels).toEqual({ 'kubernetes.io/metadata.name': 'default' });
  });

  it('namespaces: create, update labels, delete', async () => {
    await rest.createNamespace(makeNamespace('team-a', { team: 'a' }));
    const key = namespaceKey('team-a');
    const created = await waitFor('create', () => client.get(key, NamespaceSchema));
    expect(created.value.spec.labels.team).toBe('a');
    await rest.updateNamespace(makeNamespace('team-a', { team: 'b' }));
    const updated = await waitFor('update', async () => {
      const v = await client.get(key, NamespaceSchema);
      return v?.value.spec.labels.team === 'b' ? v : undefined;
    });
    expect(updated.createRevision).toBe(created.createRevision);
    await rest.deleteNamespace('team-a');
    await waitFor('delete', async () => (await client.get(key, NamespaceSchema)) === null);
  });

  it('pods: create with IP, IP change in place, node change moves the key, delete', async () => {
    await rest.createNamespace(makeNamespace('apps'));
    await rest.createPod(makePod('web-1', 'apps', podIPs('10.1.0.5')));
    const key = endpointKey('node-1', 'apps', 'web-1');
    const created = await waitFor('endpoint', () => client.get(key, EndpointSchema));
    expect(created.value.spec).toEqual({
      node: 'node-1',
      ips: ['10.1.0.5'],
      labels: { app: 'web-1' },
      ports: [],
    });

    await rest.setPodStatus(makePod('web-1', 'apps', podIPs('10.1.0.6', 'fd00::6')));
    const updated = await waitFor('IP change', async () => {
      const v = await client.get(key, EndpointSchema);
      return v?.value.spec.ips.length === 2 ? v : undefined;
    });
    expect(updated.createRevision).toBe(created.createRevision);
    expect(updated.value.spec.ips).toEqual(['10.1.0.6', 'fd00::6']);

    await rest.updatePodLabels('apps', 'web-1', { app: 'web', tier: 'fe' });
    await waitFor(
      'labels',
      async () => (await client.get(key, EndpointSchema))?.value.spec.labels.tier === 'fe',
    );

    // A pod without an IP has no endpoint.
    await rest.createPod(makePod('pending', 'apps', (p) => (p.status = { phase: 'Pending' })));
    // nodeName is immutable in Kubernetes: a "moved" pod is deleted and recreated elsewhere.
    await rest.deletePod('apps', 'web-1');
    await waitFor('delete', async () => (await client.get(key, EndpointSchema)) === null);
    await rest.createPod(makePod('web-1', 'apps', onNode('node-2'), podIPs('10.2.0.5')));
    await waitFor('recreated on node-2', () =>
      client.get(endpointKey('node-2', 'apps', 'web-1'), EndpointSchema),
    );
    const all = await client.listRaw('/palisade/v1/endpoint/');
    expect(all.items.map((i) => i.key)).toEqual([endpointKey('node-2', 'apps', 'web-1')]);
  });

  it('policies: create, update, delete', async () => {
    await rest.createNamespace(makeNamespace('pol'));
    const np = makeNetworkPolicy('allow-web', 'pol', (p) => {
      p.spec = {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ ports: [{ port: 80 }], from: [{ podSelector: {} }] }],
      };
    });
    await rest.createPolicy(np);
    const key = policyKey('pol', 'allow-web');
    const created = await waitFor('policy', () => client.get(key, PolicySchema));
    expect(created.value.spec).toEqual({
      order: 1000,
      selector: "app == 'web' && pal:namespace == 'pol'",
      types: ['Ingress'],
      ingress: [
        {
          action: 'Allow',
          ports: [{ protocol: 'TCP', port: 80 }],
          peers: [{ selector: "pal:namespace == 'pol'" }],
        },
      ],
      egress: [],
    });
    np.spec!.ingress![0]!.ports = [{ port: 443 }];
    await rest.updatePolicy(np);
    const updated = await waitFor('update', async () => {
      const v = await client.get(key, PolicySchema);
      return v?.value.spec.ingress[0]?.ports[0]?.port === 443 ? v : undefined;
    });
    expect(updated.createRevision).toBe(created.createRevision);
    const beforeDelete = await client.revision();
    await rest.deletePolicy('pol', 'allow-web');
    await waitFor('delete', async () => (await client.get(key, PolicySchema)) === null);
    // Counted once the delete marker is written, just after the key is gone.
    const deletes = await waitFor('delete counted', async () =>
      (await ctl.metric('palisade_controller_etcd_writes_total', { kind: 'policy', op: 'delete' })) || undefined,
    );
    expect(deletes).toBe(1);
    // The deletion leaves no key; the marker records its revision for palisadectl status.
    const marker = await waitFor('delete marker', async () => {
      const m = await client.get(LAST_DELETE_KEY, LastDeleteSchema);
      return m && BigInt(m.value.revision) > BigInt(beforeDelete) ? m : undefined;
    });
    expect(BigInt(marker.modRevision)).toBeGreaterThan(BigInt(marker.value.revision));
  });
});
