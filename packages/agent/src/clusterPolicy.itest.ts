/**
 * Cluster policy tiers end to end inside a throwaway node namespace: the agent as a
 * real process, a real etcd, real iptables and real TCP probes. Each step writes
 * model values directly (the controller's translation is tested on its own).
 *
 * Pods (itestCluster.PODS): a/client, b/web (NetworkPolicy: accepts :80 from
 * a/client), b/db (NetworkPolicy: accepts nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterPolicySchema,
  clusterPolicyKey,
  type ClusterPolicyInput,
  type ClusterRule,
} from '@palisade/model';
import type { AgentProcess } from './testing/agentHarness.js';
import { kernelState, Topology } from './testing/agentHarness.js';
import {
  dbDenyAll,
  eventually,
  ModelStore,
  NODE,
  PODS,
  webAllowsClient,
} from './testing/itestCluster.js';

const WEB = '10.65.0.3';
const DB = '10.65.0.4';
const CLIENT = '10.65.0.2';
const FROM_CLIENT = [{ selector: "app == 'client'" }];

type Rule = Partial<ClusterRule> & { action: ClusterRule['action'] };
function cnp(
  name: string,
  spec: { tier: 'Admin' | 'Baseline'; priority: number; selector: string; ingress?: Rule[]; egress?: Rule[] },
): ClusterPolicyInput {
  const rules = (list: Rule[] | undefined, dir: string) =>
    (list ?? []).map((r, i) => ({ name: `${dir}[${i}]`, peers: [], ports: [], ...r }));
  return {
    apiVersion: 'palisade.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name },
    spec: { ...spec, ingress: rules(spec.ingress, 'ingress'), egress: rules(spec.egress, 'egress') },
  };
}

describe('cluster policy tiers (agent process, real probes)', () => {
  let topo: Topology;
  let store: ModelStore;
  let agent: AgentProcess;

  const put = async (p: ClusterPolicyInput): Promise<void> => {
    await store.client.put(clusterPolicyKey(p.metadata.name), ClusterPolicySchema, p);
  };
  const del = async (name: string): Promise<void> => {
    await store.client.delete(clusterPolicyKey(name));
  };
  /** Waits until the probe gives `want` (the agent applies asynchronously). */
  const expectProbe = async (from: string, to: string, want: boolean): Promise<void> => {
    await eventually(
      async () => (await topo.pod(from).tcp(to, 80, 300)) === want,
      10_000,
      `${from} -> ${to}:80 ${want ? 'allowed' : 'blocked'}`,
    );
  };

  beforeAll(async () => {
    store = await ModelStore.start();
    topo = await Topology.create('cnp', PODS);
    const etcdUrl = await topo.relayEtcd(store.etcd.endpoints[0]!);
    await store.writePods();
    await store.putPolicy(webAllowsClient);
    await store.putPolicy(dbDenyAll);
    agent = topo.startAgent([
      ...['--node-name', NODE, '--etcd-endpoints', etcdUrl, '--metrics-port', '0'],
      ...['--ipv6', 'false', '--log-level', 'info'],
    ]);
    await agent.waitFor((l) => l.message === 'dataplane programmed');
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await topo?.destroy();
    await store?.close();
  });

  it('starts from the NetworkPolicy verdicts', async () => {
    await expectProbe('client', WEB, true);
    await expectProbe('client', DB, false);
    await expectProbe('web', CLIENT, true);
  });

  it('Admin Deny wins over a NetworkPolicy allow', async () => {
    await put(
      cnp('deny-client-web', {
        tier: 'Admin',
        priority: 20,
        selector: "app == 'web'",
        ingress: [{ action: 'Deny', peers: FROM_CLIENT }],
      }),
    );
    await expectProbe('client', WEB, false);
  });

  it('Pass at a lower priority skips the rest of Admin: the NetworkPolicy decides', async () => {
    await put(
      cnp('pass-client', {
        tier: 'Admin',
        priority: 10,
        selector: "app == 'web'",
        ingress: [{ action: 'Pass', peers: FROM_CLIENT }],
      }),
    );
    await expectProbe('client', WEB, true);
    // Raising the Pass above the Deny's priority number puts the Deny first again.
    await put(
      cnp('pass-client', {
        tier: 'Admin',
        priority: 30,
        selector: "app == 'web'",
        ingress: [{ action: 'Pass', peers: FROM_CLIENT }],
      }),
    );
    await expectProbe('client', WEB, false);
    await del('deny-client-web');
    await del('pass-client');
    await expectProbe('client', WEB, true);
  });

  it('Admin Accept wins over NetworkPolicy isolation', async () => {
    await put(
      cnp('accept-db', {
        tier: 'Admin',
        priority: 5,
        selector: "app == 'db'",
        ingress: [{ action: 'Accept', peers: FROM_CLIENT, ports: [{ protocol: 'TCP', port: 80 }] }],
      }),
    );
    await expectProbe('client', DB, true);
    await expectProbe('web', DB, false);
  });

  it('Baseline applies only where no NetworkPolicy isolates', async () => {
    await put(
      cnp('baseline-deny', {
        tier: 'Baseline',
        priority: 1,
        selector: 'all()',
        ingress: [{ action: 'Deny' }],
      }),
    );
    // a/client is not isolated: the Baseline Deny applies.
    await expectProbe('web', CLIENT, false);
    // b/web is isolated by its NetworkPolicy, whose allow is final.
    await expectProbe('client', WEB, true);
    // Admin Accept still comes before everything.
    await expectProbe('client', DB, true);
  });

  it('an egress Accept still meets the destination ingress Deny', async () => {
    await put(
      cnp('egress-accept', {
        tier: 'Admin',
        priority: 1,
        selector: "app == 'web'",
        egress: [{ action: 'Accept' }],
      }),
    );
    await expectProbe('web', CLIENT, false);
    await del('baseline-deny');
    await expectProbe('web', CLIENT, true);
  });

  it('renders tier blocks only for selected endpoints, and removes cluster chains on delete', async () => {
    const { iptables } = await kernelState(topo.node);
    expect(iptables).toMatch(/-m mark --mark 0x0\/0x20000 -j pal-ci-/);
    expect(iptables).toMatch(/-m mark --mark 0x0\/0x20000 -j pal-co-/);
    for (const name of ['accept-db', 'egress-accept']) await del(name);
    await expectProbe('client', DB, false);
    await eventually(
      async () => !/pal-c[io]-/.test((await kernelState(topo.node)).iptables),
      10_000,
      'cluster chains removed',
    );
  });
});
