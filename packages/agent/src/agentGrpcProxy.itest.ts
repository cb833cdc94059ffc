/**
 * The agent through a real `etcd grpc-proxy` (Debian's etcd binary) in front of an etcd
 * with auth on, as the chart's etcd.grpcProxy runs it: the agent authenticates with its
 * per-node identity through the proxy (the proxy forwards the token), syncs, enforces,
 * writes its status, and follows a change made directly in etcd.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGrpcProxy, type TestGrpcProxy } from '@palisade/datastore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from './testing/agentHarness.js';
import { Topology } from './testing/agentHarness.js';
import { startTestAgent } from './testing/testAgent.js';
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

describe('agent through etcd grpc-proxy, etcd auth on', () => {
  let topo: Topology;
  let store: ModelStore;
  let proxy: TestGrpcProxy;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pal-agent-proxy-'));
    store = await ModelStore.start({ auth: true, nodes: [NODE] });
    proxy = await startGrpcProxy(store.etcd.endpoints);
    topo = await Topology.create('gp', PODS);
    await store.writePods();
    await store.putPolicy(webAllowsClient);
  }, 60_000);

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await topo?.destroy();
    await proxy?.destroy();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('syncs, enforces, publishes its status and follows changes written to etcd', async () => {
    const id = store.ids!.node(NODE);
    const file = path.join(dir, 'agent.pw');
    await writeFile(file, `${id.password}\n`, { mode: 0o600 });
    agent = startTestAgent(topo, {
      etcdUrl: await topo.relayEtcd(proxy.endpoint),
      statusTtlSeconds: 3,
      extraArgs: ['--etcd-username', id.username ?? '', '--etcd-password-file', file],
    });
    await agent.waitFor((l) => l.message === 'dataplane programmed');
    expect(await topo.pod('client').tcp(DB, 80)).toBe(true);
    // Written to etcd directly (as the controller does); seen through the proxy's watch.
    const revision = await store.putPolicy(dbDenyAll);
    await eventually(
      async () => !(await topo.pod('client').tcp(DB, 80, 400)),
      20_000,
      'db isolated',
    );
    expect(await topo.pod('client').tcp(WEB, 80)).toBe(true);
    await eventually(
      async () =>
        BigInt((await store.status())?.status.programmedRevision ?? 0) >= BigInt(revision),
      20_000,
      'status at the last revision',
    );
    expect(agent.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
