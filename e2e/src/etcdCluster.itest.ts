/**
 * Palisade against a real 3-member etcd cluster on loopback: the controller's
 * reconciler writes, three syncers and one real agent (in a node namespace, with a
 * relay per member) watch, while the test kills the leader, takes a member away for
 * 30 s and breaks quorum for 20 s. The three cases share one cluster (about 80 s).
 */
import { Reconciler, etcdStore, type ObjectKind } from '@palisade/controller';
import { EtcdClient, Syncer } from '@palisade/datastore';
import {
  etcdContent,
  recordView,
  sameContent,
  startEtcdCluster,
  waitFor,
  type TestEtcdCluster,
  type ViewRecorder,
} from '@palisade/datastore/testing';
import { NODE, PODS, Topology, dbDenyAll, kernelState, webAllowsClient, type AgentProcess } from '@palisade/agent/testing';
import { ROOT_PREFIX, endpointKey, namespaceKey, policyKey, type Policy } from '@palisade/model';
import { makeEndpoint, makeNamespace, makePolicy } from '@palisade/model/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WEB = '10.65.0.3';
const DB = '10.65.0.4';
const WATCHERS = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** db accepts port 80 from a/client: written while quorum is lost. */
const dbAllowsClient: Policy = makePolicy('b', 'db-allow', {
  selector: "app == 'db' && pal:namespace == 'b'",
  types: ['Ingress'],
  ingress: [{ action: 'Allow', ports: [{ protocol: 'TCP', port: 80 }], peers: [{ selector: "app == 'client' && pal:namespace == 'a'" }] }],
});

describe('etcd cluster (3 members)', () => {
  let cluster: TestEtcdCluster;
  let writerClient: EtcdClient;
  let reader: EtcdClient;
  let reconciler: Reconciler;
  let topo: Topology;
  let agent: AgentProcess;
  const watchers: { client: EtcdClient; syncer: Syncer; rec: ViewRecorder }[] = [];

  const set = (key: string, kind: ObjectKind, value: unknown): void => reconciler.set(key, kind, value);
  const putPolicy = (p: Policy): void => set(policyKey(p.metadata.namespace, p.metadata.name), 'policy', p);
  const churnPod = (i: number): void =>
    set(endpointKey('node-z', 'a', `churn-${i}`), 'endpoint', makeEndpoint('a', `churn-${i}`, { node: 'node-z', ips: [`10.66.${i >> 8}.${i & 255}`], labels: { app: 'churn' } }));

  /** Every watcher's view equals etcd's content under the root prefix. */
  async function viewsConverge(what: string): Promise<void> {
    await waitFor(
      async () => {
        const content = await etcdContent(reader, ROOT_PREFIX).catch(() => null);
        return content !== null && watchers.every((w) => sameContent(w.rec.view, content));
      },
      { timeoutMs: 30_000, what },
    );
  }

  /** Each churn key reached each watcher exactly once, in revision order. */
  function expectExactlyOnce(first: number, count: number): void {
    for (const w of watchers) {
      const seen = new Map<string, number>();
      let last = 0n;
      for (const b of w.rec.batches) {
        expect(BigInt(b.revision)).toBeGreaterThanOrEqual(last);
        last = BigInt(b.revision);
        for (const u of b.updates) if (u.key.includes('/churn-')) seen.set(u.key, (seen.get(u.key) ?? 0) + 1);
      }
      for (let i = first; i < first + count; i++) expect(seen.get(endpointKey('node-z', 'a', `churn-${i}`))).toBe(1);
    }
  }

  beforeAll(async () => {
    cluster = await startEtcdCluster({ size: 3 });
    writerClient = EtcdClient.connect({ endpoints: cluster.endpoints, requestTimeoutMs: 2000 });
    reader = EtcdClient.connect({ endpoints: cluster.endpoints, requestTimeoutMs: 2000 });
    reconciler = new Reconciler({ store: etcdStore(writerClient), backoff: { initialMs: 100, maxMs: 1000 } });
    for (const ns of ['a', 'b']) set(namespaceKey(ns), 'namespace', makeNamespace(ns, { team: ns }));
    for (const p of PODS)
      set(endpointKey(NODE, p.namespace, p.name), 'endpoint', makeEndpoint(p.namespace, p.name, { node: NODE, ips: [p.ip], labels: p.labels }));
    putPolicy(webAllowsClient);
    putPolicy(dbDenyAll);
    reconciler.setDesiredComplete();
    reconciler.setLeader(true);
    await reconciler.idle();
    for (let i = 0; i < WATCHERS; i++) {
      const client = EtcdClient.connect({ endpoints: cluster.endpoints });
      const rec = recordView();
      const syncer = new Syncer({ client, prefix: ROOT_PREFIX, callbacks: rec, backoff: { initialMs: 50, maxMs: 1000 } });
      syncer.start();
      watchers.push({ client, syncer, rec });
    }
    topo = await Topology.create('ecl', PODS);
    const urls: string[] = [];
    for (const [i, m] of cluster.members.entries()) urls.push(await topo.relayEtcd(m.clientUrl, 2379 + 100 * i));
    agent = topo.startAgent(['--node-name', NODE, '--etcd-endpoints', urls.join(','), '--metrics-port', '0', '--ipv6', 'false']);
    await agent.waitFor((l) => l.message === 'dataplane programmed');
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await topo?.destroy();
    await reconciler?.stop();
    for (const w of watchers) {
      await w.syncer.stop();
      await w.client.close();
    }
    await writerClient?.close();
    await reader?.close();
    await cluster?.destroy();
  });

  it('resumes writes after the leader is killed; every view equals etcd, nothing lost or duplicated', async () => {
    const leader = await cluster.leader();
    for (let i = 0; i < 150; i++) {
      churnPod(i);
      if (i === 50) await leader.kill();
      await sleep(10);
    }
    await reconciler.idle();
    await viewsConverge('views equal etcd after the leader was killed');
    const content = await etcdContent(reader, ROOT_PREFIX);
    expect([...content.keys()].filter((k) => k.includes('/churn-'))).toHaveLength(150);
    expectExactlyOnce(0, 150);
    expect(await topo.pod('client').tcp(WEB, 80, 500)).toBe(true);
    await leader.start();
  });

  it('keeps serving while one member is away for 30 s, and the member catches up', async () => {
    const away = cluster.members.find((m) => m.running)!;
    await away.stop();
    for (let i = 150; i < 200; i++) {
      churnPod(i);
      await sleep(600);
    }
    await reconciler.idle();
    await viewsConverge('views equal etcd with one member away');
    await away.start();
    // Its content, read from it alone, catches up with the cluster's (the agent's
    // status key is refreshed meanwhile, so compare everything else).
    const only = EtcdClient.connect({ endpoints: [away.clientUrl] });
    const model = async (c: EtcdClient): Promise<Map<string, string>> =>
      new Map([...(await etcdContent(c, ROOT_PREFIX))].filter(([k]) => !k.includes('/agent/')));
    try {
      const want = await model(reader);
      await waitFor(async () => sameContent(await model(only).catch(() => new Map<string, string>()), want), {
        timeoutMs: 20_000,
        what: 'the returning member catches up',
      });
    } finally {
      await only.close();
    }
    expectExactlyOnce(0, 200);
  });

  it('fails closed while quorum is lost for 20 s; controller and agent recover by themselves', async () => {
    const client = topo.pod('client');
    const before = await kernelState(topo.node);
    const down = cluster.members.slice(0, 2);
    await Promise.all(down.map((m) => m.kill()));
    putPolicy(dbAllowsClient);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      expect(await client.tcp(DB, 80, 200)).toBe(false);
      expect(await client.tcp(WEB, 80, 500)).toBe(true);
      await sleep(1000);
    }
    expect(reconciler.pending()).toBeGreaterThan(0);
    expect(await kernelState(topo.node)).toEqual(before);
    expect(agent.child.exitCode).toBeNull();
    await Promise.all(down.map((m) => m.start()));
    await reconciler.idle();
    await waitFor(() => client.tcp(DB, 80, 300), { timeoutMs: 30_000, what: 'the agent programs the policy written during the outage' });
    await viewsConverge('views equal etcd after quorum came back');
    expectExactlyOnce(0, 200);
  });
});
