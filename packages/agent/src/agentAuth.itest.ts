/**
 * The agent with its own etcd identity against an etcd with auth on: with its per-node
 * identity it syncs, enforces and publishes its status; with an identity that may not
 * write its status it keeps enforcing, and reports the refusal at error level (key,
 * user, fix) while it retries.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nodeAgentName, USERS, type EtcdConnectionOptions } from '@palisade/datastore';
import { agentKey } from '@palisade/model';
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

describe('agent with etcd auth on', () => {
  let topo: Topology;
  let store: ModelStore;
  let etcdUrl: string;
  let dir: string;
  let lastRevision: string;
  const agents: AgentProcess[] = [];

  async function startAgent(id: EtcdConnectionOptions): Promise<AgentProcess> {
    const file = path.join(dir, `${id.username}.pw`);
    await writeFile(file, `${id.password}\n`, { mode: 0o600 });
    const agent = startTestAgent(topo, {
      etcdUrl,
      statusTtlSeconds: 3,
      extraArgs: ['--etcd-username', id.username ?? '', '--etcd-password-file', file],
    });
    agents.push(agent);
    return agent;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pal-agent-auth-'));
    store = await ModelStore.start({ auth: true, nodes: [NODE] });
    topo = await Topology.create('au', PODS);
    etcdUrl = await topo.relayEtcd(store.etcd.endpoints[0]!);
    await store.writePods();
    await store.putPolicy(webAllowsClient);
    lastRevision = await store.putPolicy(dbDenyAll);
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await topo?.destroy();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('with its per-node identity: enforces the model and publishes its status', async () => {
    const ids = store.ids!;
    const agent = await startAgent(ids.node(NODE));
    await agent.waitFor((l) => l.message === 'dataplane programmed');
    expect(agent.lines.find((l) => l.message === 'starting')?.etcdUser).toBe(nodeAgentName(NODE));
    expect(await topo.pod('client').tcp(WEB, 80)).toBe(true);
    expect(await topo.pod('client').tcp(DB, 80, 400)).toBe(false);
    await eventually(
      async () =>
        BigInt((await store.status())?.status.programmedRevision ?? 0) >= BigInt(lastRevision),
      20_000,
      'status at the last revision',
    );
    expect(agent.lines.filter((l) => l.level === 'error')).toEqual([]);
    agent.kill('SIGTERM');
    await agent.exited;
  });

  it('with an identity that may not write its status: keeps enforcing and says why at error level', async () => {
    await eventually(
      async () => (await store.client.getRaw(agentKey(NODE))) === null,
      10_000,
      'old status gone',
    );
    const agent = await startAgent(store.ids!.cli);
    await agent.waitFor((l) => l.message === 'dataplane programmed');
    const line = await agent.waitFor(
      (l) => l.level === 'error' && l.message === 'cannot write agent status; retrying',
    );
    expect(line).toMatchObject({ key: agentKey(NODE), user: USERS.cli });
    expect(String(line.fix)).toMatch(/palisadectl etcd-setup/);
    expect(String(line.err)).toMatch(`etcd denied put ${agentKey(NODE)} to user "palisade-cli"`);
    expect(await topo.pod('client').tcp(DB, 80, 400)).toBe(false);
    expect(await topo.pod('client').tcp(WEB, 80)).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });
});
