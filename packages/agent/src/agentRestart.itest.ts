/**
 * Enforcement across an agent crash: kill -9 and restart under steady traffic. An
 * established connection keeps working, an isolated pod is never reachable, and the
 * dead agent's status disappears with its lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './testing/agentHarness.js';
import { Topology } from './testing/agentHarness.js';
import {
  dbDenyAll,
  eventually,
  ModelStore,
  PODS,
  webAllowsClient,
} from './testing/itestCluster.js';
import { startTestAgent } from './testing/testAgent.js';

const WEB = '10.65.0.3';
const DB = '10.65.0.4';

describe('agent restart under traffic', () => {
  let topo: Topology;
  let store: ModelStore;
  let etcdUrl: string;
  const running: AgentProcess[] = [];

  const start = (): AgentProcess => {
    const a = startTestAgent(topo, { etcdUrl, statusTtlSeconds: 2 });
    running.push(a);
    return a;
  };

  beforeAll(async () => {
    store = await ModelStore.start();
    topo = await Topology.create('agr', PODS);
    etcdUrl = await topo.relayEtcd(store.etcd.endpoints[0]!);
    await store.writePods();
    await store.putPolicy(webAllowsClient);
    await store.putPolicy(dbDenyAll);
  });

  afterAll(async () => {
    running.forEach((a) => a.kill('SIGKILL'));
    await topo?.destroy();
    await store?.close();
  });

  it('keeps established connections and isolation through kill -9 and restart', async () => {
    const first = start();
    await first.waitFor((l) => l.message === 'dataplane programmed');
    await eventually(async () => (await store.status()) !== null, 10_000, 'status written');
    const client = topo.pod('client');
    const held = await client.hold(WEB, 80);
    expect(held).not.toBeNull();

    let stop = false;
    const results = { heldOk: 0, heldFail: 0, isolatedReached: 0, isolatedProbes: 0 };
    const probing = (async () => {
      while (!stop) {
        const [h, d] = await Promise.all([client.ping(held!, 500), client.tcp(DB, 80, 150)]);
        if (h) results.heldOk++;
        else results.heldFail++;
        results.isolatedProbes++;
        if (d) results.isolatedReached++;
      }
    })();

    await new Promise((r) => setTimeout(r, 500));
    first.kill('SIGKILL');
    await first.exited;
    // The dead agent's status key goes away with its lease (TTL 2 s).
    await eventually(async () => (await store.status()) === null, 15_000, 'status key expired');
    const second = start();
    await second.waitFor((l) => l.message === 'dataplane programmed');
    await eventually(
      async () => (await store.status())?.status.inSync === true,
      10_000,
      'status back',
    );
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await probing;

    expect(results.heldFail).toBe(0);
    expect(results.heldOk).toBeGreaterThan(10);
    expect(results.isolatedProbes).toBeGreaterThan(10);
    expect(results.isolatedReached).toBe(0);
    // New connections to the allowed pod work with the restarted agent.
    expect(await client.tcp(WEB, 80, 500)).toBe(true);
  });

  it('fails closed through an etcd outage and rewrites its status afterwards', async () => {
    const agent = running.at(-1)!;
    const client = topo.pod('client');
    await eventually(async () => (await store.status()) !== null, 10_000, 'status present');
    await store.etcd.kill();
    // Longer than the status lease TTL (2 s): the lease is lost meanwhile.
    for (let i = 0; i < 8; i++) {
      expect(await client.tcp(DB, 80, 200)).toBe(false);
      expect(await client.tcp(WEB, 80, 500)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
    }
    await store.etcd.restart();
    await eventually(
      async () => (await store.status().catch(() => null))?.status.inSync === true,
      30_000,
      'status rewritten',
    );
    expect(agent.child.exitCode).toBeNull();
    expect(await client.tcp(DB, 80, 200)).toBe(false);
  });
});
