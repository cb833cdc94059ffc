/**
 * Regressions for issue 10 items 4, 5 and 6, with real probes between pod namespaces:
 * values in etcd that the agent cannot fully read, or that try to reach outside their
 * namespace, must never open a pod that a policy isolates.
 *
 *  - item 6: a policy stored under namespace `other` whose selector names `adv` pods;
 *  - item 5: a corrupt value for namespace `other` (env=prod) while a policy admits
 *    namespaces `env not in {prod}`;
 *  - item 4: a local endpoint rewritten with a field this agent does not know, then
 *    corrupted, each time followed by an agent restart; and a pod whose endpoint was
 *    never readable (its IP is quarantined).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EndpointSchema,
  NamespaceSchema,
  endpointKey,
  namespaceKey,
  policyKey,
  type Endpoint,
} from '@palisade/model';
import { makeEndpoint, makeNamespace, makePolicy } from '@palisade/model/testing';
import type { AgentProcess, PodSpec } from './testing/agentHarness.js';
import { Topology } from './testing/agentHarness.js';
import { ModelStore, NODE, eventually } from './testing/itestCluster.js';
import { startTestAgent } from './testing/testAgent.js';

const PODS: PodSpec[] = [
  { name: 'client', ip: '10.67.0.2', ports: [] },
  { name: 'target', ip: '10.67.0.3', ports: [80] },
  { name: 'fresh', ip: '10.67.0.4', ports: [80] },
];
const TARGET = '10.67.0.3';
const FRESH = '10.67.0.4';

const targetEp = makeEndpoint('adv', 'target', {
  node: NODE,
  ips: [TARGET],
  labels: { app: 'target' },
});
const clientEp = makeEndpoint('other', 'client', {
  node: NODE,
  ips: ['10.67.0.2'],
  labels: { app: 'client' },
});
/** Isolates the target; admits only namespaces that are not prod (`other` is prod). */
const fromNonProd = makePolicy('adv', 'from-non-prod', {
  selector: "app == 'target' && pal:namespace == 'adv'",
  types: ['Ingress'],
  ingress: [{ action: 'Allow', ports: [], peers: [{ selector: "ns:env not in {'prod'}" }] }],
});
/** Stored under `other`, selects `adv` pods, allows everything. */
const evil = makePolicy('other', 'evil', {
  selector: "pal:namespace == 'adv'",
  types: ['Ingress'],
  ingress: [{ action: 'Allow', ports: [], peers: [] }],
});

describe('values that cannot widen access', () => {
  let topo: Topology;
  let store: ModelStore;
  let etcdUrl: string;
  let agent: AgentProcess;

  const start = async (): Promise<void> => {
    agent = startTestAgent(topo, { etcdUrl, resyncInterval: '1s' });
    await agent.waitFor((l) => l.message === 'dataplane programmed');
  };
  const restart = async (): Promise<void> => {
    agent.kill('SIGKILL');
    await agent.exited;
    await start();
  };
  const reach = (ip: string): Promise<boolean> => topo.pod('client').tcp(ip, 80, 300);
  /** Probes for `ms`; how many probes got through. */
  const openCount = async (ip: string, ms: number): Promise<number> => {
    let open = 0;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) if (await reach(ip)) open++;
    return open;
  };
  const putRaw = (key: string, text: string) => store.client.putRaw(key, text);
  const invalidKeys = async (): Promise<string[]> =>
    Object.keys((await store.status())?.status.invalidKeys ?? {});

  beforeAll(async () => {
    store = await ModelStore.start();
    topo = await Topology.create('cnt', PODS);
    etcdUrl = await topo.relayEtcd(store.etcd.endpoints[0]!);
    await store.client.put(namespaceKey('adv'), NamespaceSchema, makeNamespace('adv'));
    await store.client.put(
      namespaceKey('other'),
      NamespaceSchema,
      makeNamespace('other', { env: 'prod' }),
    );
    await store.client.put(endpointKey(NODE, 'adv', 'target'), EndpointSchema, targetEp);
    await store.client.put(endpointKey(NODE, 'other', 'client'), EndpointSchema, clientEp);
    await store.putPolicy(fromNonProd);
    await start();
    await eventually(async () => !(await reach(TARGET)), 10_000, 'target isolated');
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await topo?.destroy();
    await store?.close();
  });

  it('item 6: a policy of another namespace cannot select (and open) pods of adv', async () => {
    const rev = BigInt(await store.putPolicy(evil));
    await eventually(
      async () => BigInt((await store.status())?.status.programmedRevision ?? 0) >= rev,
      10_000,
      'evil programmed',
    );
    expect(await openCount(TARGET, 2500)).toBe(0);
    // The same allow-all stored in adv itself does open it: the probe can succeed.
    await store.putPolicy({ ...evil, metadata: { namespace: 'adv', name: 'evil' } });
    await eventually(() => reach(TARGET), 10_000, 'target open through adv/evil');
    await store.client.delete(policyKey('adv', 'evil'));
    await eventually(async () => !(await reach(TARGET)), 10_000, 'target isolated again');
  });

  it('item 5: a corrupt namespace value matches no namespace selector, not even NotIn', async () => {
    const key = namespaceKey('other');
    await putRaw(key, '{"kind": "Namespace", "spec": ');
    await eventually(async () => (await invalidKeys()).includes(key), 10_000, 'reported');
    expect(await openCount(TARGET, 3000)).toBe(0);
    // Readable again with env=dev: NotIn prod admits it (the probe can succeed).
    await store.client.put(key, NamespaceSchema, makeNamespace('other', { env: 'dev' }));
    await eventually(() => reach(TARGET), 10_000, 'admitted as env=dev');
    await store.client.put(key, NamespaceSchema, makeNamespace('other', { env: 'prod' }));
    await eventually(async () => !(await reach(TARGET)), 10_000, 'prod again');
  });

  it('item 4: a local endpoint with an unknown field, then corrupt, stays isolated across restarts', async () => {
    const key = endpointKey(NODE, 'adv', 'target');
    const withFuture: Endpoint & { futureField: boolean } = { ...targetEp, futureField: true };
    await putRaw(key, JSON.stringify(withFuture));
    await restart();
    expect(await invalidKeys()).not.toContain(key);
    expect(await openCount(TARGET, 2500)).toBe(0);

    await putRaw(key, '{"apiVersion": "palisade.io/v1", "kind": "Endpoint", "spec": {');
    await eventually(async () => (await invalidKeys()).includes(key), 10_000, 'reported');
    await restart();
    expect(await invalidKeys()).toContain(key);
    expect(await openCount(TARGET, 2500)).toBe(0);
    await store.client.put(key, EndpointSchema, targetEp);
  });

  it('item 4: a pod whose endpoint was never readable has its IPs quarantined', async () => {
    expect(await reach(FRESH)).toBe(true); // not policed while the model does not know it
    const key = endpointKey(NODE, 'adv', 'fresh');
    const fresh = makeEndpoint('adv', 'fresh', { node: NODE, ips: [FRESH] });
    await putRaw(key, JSON.stringify({ ...fresh, spec: { ...fresh.spec, ports: 'bad' } }));
    await eventually(async () => !(await reach(FRESH)), 10_000, 'fresh quarantined');
    expect(await openCount(FRESH, 2000)).toBe(0);
    expect(await topo.pod('fresh').tcp('10.67.0.2', 80, 300)).toBe(false);
    await store.client.put(key, EndpointSchema, fresh);
    await eventually(() => reach(FRESH), 10_000, 'released once readable');
  });
});
