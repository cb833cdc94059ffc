/**
 * The agent as a real process inside a throwaway node namespace, against a real etcd:
 * programming, TCP/UDP enforcement, blocked-connection logs, status, invalid values,
 * drift repair and --cleanup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentKey, policyKey } from '@palisade/model';
import type { AgentProcess } from './testing/agentHarness.js';
import { kernelState, nsGet, nsSh, Topology } from './testing/agentHarness.js';
import {
  dbDenyAll,
  eventually,
  ModelStore,
  NODE,
  PODS,
  webAllowsClient,
} from './testing/itestCluster.js';
import { startTestAgent } from './testing/testAgent.js';

const WEB = '10.65.0.3';
const DB = '10.65.0.4';
const CLIENT = '10.65.0.2';

describe('agent process', () => {
  let topo: Topology;
  let store: ModelStore;
  let agent: AgentProcess;
  let etcdUrl: string;
  let before: { iptables: string; ipsets: string };
  let lastRevision: string;

  beforeAll(async () => {
    store = await ModelStore.start();
    topo = await Topology.create('ag', PODS);
    etcdUrl = await topo.relayEtcd(store.etcd.endpoints[0]!);
    // Rules and sets that are not ours: --cleanup must leave them alone.
    await nsSh(topo.node, 'iptables', ['-w', '-N', 'KUBE-TEST']);
    await nsSh(topo.node, 'iptables', [
      '-w',
      '-A',
      'FORWARD',
      '-s',
      '192.0.2.1/32',
      '-j',
      'KUBE-TEST',
    ]);
    await nsSh(topo.node, 'ipset', ['create', 'other-set', 'hash:ip']);
    before = await kernelState(topo.node);
    await store.writePods();
    await store.putPolicy(webAllowsClient);
    lastRevision = await store.putPolicy(dbDenyAll);
    agent = startTestAgent(topo, {
      etcdUrl,
      resyncInterval: '1s',
      statusTtlSeconds: 3,
      logLevel: 'debug',
      extraArgs: ['--nflog-group', '7'],
    });
    await agent.waitFor((l) => l.message === 'dataplane programmed');
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await topo?.destroy();
    await store?.close();
  });

  it('programs pal- chains and ipsets', async () => {
    const { iptables, ipsets } = await kernelState(topo.node);
    expect(iptables).toMatch(/^-A FORWARD .*-j pal-FORWARD/m);
    expect(iptables).toMatch(/^:pal-tw-[a-z2-7]+ /m);
    expect(iptables).toMatch(/^:pal-pi-[a-z2-7]+ /m);
    expect(iptables).toMatch(/NFLOG.*--nflog-group 7/);
    expect(ipsets).toMatch(/Name: pal4s-/);
    expect(iptables).toContain('KUBE-TEST');
  });

  it.each([
    ['TCP client → web:80 allowed', 'client', WEB, 80, 'tcp', true],
    ['UDP client → web:80 allowed', 'client', WEB, 80, 'udp', true],
    ['TCP client → web:8080 blocked', 'client', WEB, 8080, 'tcp', false],
    ['UDP client → web:8080 blocked', 'client', WEB, 8080, 'udp', false],
    ['TCP client → db:80 blocked', 'client', DB, 80, 'tcp', false],
    ['TCP web → db:80 blocked', 'web', DB, 80, 'tcp', false],
    ['TCP web → client:80 allowed (client unisolated)', 'web', CLIENT, 80, 'tcp', true],
  ] as const)('%s', async (_name, from, to, port, proto, allowed) => {
    const pod = topo.pod(from);
    const ok = proto === 'tcp' ? await pod.tcp(to, port, 400) : await pod.udp(to, port, 400);
    expect(ok).toBe(allowed);
  });

  it('logs and counts blocked connections', async () => {
    expect(await topo.pod('client').tcp(DB, 80, 400)).toBe(false);
    const line = await agent.waitFor((l) =>
      /^TCP 10\.65\.0\.2:\d+ -> 10\.65\.0\.4:80 blocked/.test(l.message),
    );
    expect(line.message).toMatch(
      /: a\/client -> b\/db, ingress, isolated by policy b\/deny-all, no rule allows$/,
    );
    const port = await agent.metricsPort();
    const metrics = await nsGet(topo.node, `http://127.0.0.1:${port}/metrics`);
    expect(metrics.body).toMatch(
      /palisade_blocked_connections_total\{namespace="b",pod="db",direction="ingress"\} [1-9]/,
    );
    expect((await nsGet(topo.node, `http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });

  it('publishes a lease-bound status with the programmed revision', async () => {
    await eventually(
      async () =>
        BigInt((await store.status())?.status.programmedRevision ?? 0) >= BigInt(lastRevision),
    );
    const status = (await store.status())!;
    expect(status.status).toMatchObject({
      inSync: true,
      counts: { localEndpoints: 3, policies: 2 },
      lastError: null,
    });
    expect(status.status.counts.chains).toBeGreaterThan(0);
    const raw = await store.client.raw.get(agentKey(NODE)).exec();
    expect(raw.kvs[0]?.lease).not.toBe('0');
  });

  it('isolates the namespace of a corrupt policy and reports it', async () => {
    expect(await topo.pod('web').tcp(CLIENT, 80)).toBe(true);
    const key = policyKey('a', 'broken');
    await store.client.putRaw(key, '{"kind": "Policy", "spec": ');
    await eventually(
      async () => !(await topo.pod('web').tcp(CLIENT, 80, 300)),
      10_000,
      'client isolated',
    );
    await eventually(
      async () => key in ((await store.status())?.status.invalidKeys ?? {}),
      10_000,
      'invalidKeys',
    );
    await store.client.delete(key);
    await eventually(
      async () => topo.pod('web').tcp(CLIENT, 80, 300),
      10_000,
      'client reachable again',
    );
    await eventually(
      async () => !(key in ((await store.status())?.status.invalidKeys ?? {})),
      10_000,
      'invalidKeys cleared',
    );
  });

  it('repairs drift on the periodic resync', async () => {
    await nsSh(topo.node, 'iptables', ['-w', '-F', 'pal-FORWARD']);
    expect(await topo.pod('client').tcp(DB, 80, 300)).toBe(true);
    await eventually(
      async () => !(await topo.pod('client').tcp(DB, 80, 300)),
      10_000,
      'drift repaired',
    );
  });

  it('--cleanup leaves the namespace as it was before the agent', async () => {
    agent.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    // SIGTERM keeps enforcement in place.
    expect(await topo.pod('client').tcp(DB, 80, 300)).toBe(false);
    const cleanup = topo.startAgent(['--node-name', NODE, '--cleanup', '--ipv6', 'false']);
    expect(await cleanup.exited).toBe(0);
    expect(await kernelState(topo.node)).toEqual(before);
  });
});
