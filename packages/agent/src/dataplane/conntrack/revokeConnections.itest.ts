/**
 * --revoke-connections against real iptables, ipset and conntrack, in throwaway network
 * namespaces: pods a, b and c wired to a node namespace whose FORWARD chain a Dataplane
 * programs; b serves TCP. Long-lived connections are cut when a change refuses them
 * (with the option), kept when it still allows them, and kept without the option.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import { CLUSTER_SCOPE, type CalcMessage } from '../../messages.js';
import {
  allow,
  deny,
  isolatedBy,
  makeEndpoint,
  makePolicy,
  peerSet,
  sel,
  setUpdate,
  tcp,
} from '../../testing/dataplaneBuilders.js';
import {
  addVethPod,
  cleanupStale,
  createNetns,
  deleteNetns,
  netnsExec,
  nsRun,
  openTcpSession,
  probe,
  startServers,
  uniqueNetnsName,
  type Servers,
  type TcpSession,
} from '../../testing/netns.js';
import { Dataplane } from '../dataplane.js';

const IP = { a: '10.66.0.2', b: '10.66.0.3', c: '10.66.0.4' };
const CLIENTS = sel('role==client');
const fast = { attempts: 3, sleep: () => Promise.resolve(), backoff: { initialMs: 1, maxMs: 1 } };

/** b admits `clients` on 8080 and 7070 (the push server). */
function model(clients: string[]): CalcMessage[] {
  return [
    setUpdate(CLIENTS, clients),
    makePolicy('b-in', { inbound: [allow([peerSet(CLIENTS)], [tcp(8080), tcp(7070)])] }),
    makeEndpoint('a', [IP.a]),
    makeEndpoint('b', [IP.b], { ingress: isolatedBy('b-in') }),
    makeEndpoint('c', [IP.c]),
  ];
}

const PUSH_SERVER = `
require('net').createServer((s) => {
  s.on('error', () => {});
  const t = setInterval(() => s.write('x'), 100);
  s.on('close', () => clearInterval(t));
}).listen(7070, '0.0.0.0', () => console.log('ready'));
`;
const PUSH_CLIENT = `
const s = require('net').connect({ host: process.argv[1], port: 7070 });
s.on('error', () => {});
s.on('data', () => console.log('data'));
`;

interface Topology {
  node: string;
  pods: Record<'a' | 'b' | 'c', string>;
  servers: Servers;
  stop: () => Promise<void>;
}

async function topology(tag: string): Promise<Topology> {
  const node = uniqueNetnsName(`${tag}n`);
  const pods = {
    a: uniqueNetnsName(`${tag}a`),
    b: uniqueNetnsName(`${tag}b`),
    c: uniqueNetnsName(`${tag}c`),
  };
  await createNetns(node, { forwarding: true });
  for (const p of ['a', 'b', 'c'] as const) {
    await createNetns(pods[p]);
    await addVethPod({ node, pod: pods[p], ip: IP[p] });
  }
  const servers = await startServers(pods.b, { tcp: [8080] });
  const push = spawn('ip', ['netns', 'exec', pods.b, process.execPath, '-e', PUSH_SERVER], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve) => push.stdout.once('data', () => resolve()));
  return {
    node,
    pods,
    servers,
    stop: async () => {
      servers.stop();
      push.kill('SIGKILL');
      for (const ns of [...Object.values(pods), node]) await deleteNetns(ns);
    },
  };
}

/** A client in `ns` that counts the bytes b pushes; the server talks, the client only ACKs. */
function pushClient(ns: string): { received: () => number; close: () => void } {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', PUSH_CLIENT, IP.b], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let n = 0;
  child.stdout.on('data', (b: Buffer) => (n += b.toString().split('data').length - 1));
  return { received: () => n, close: () => child.kill('SIGKILL') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function conntrackLines(node: string): Promise<string[]> {
  const out = await nsRun(node, 'conntrack', ['-L', '-f', 'ipv4']);
  return out.split('\n').filter((l) => l.includes('dport=8080') || l.includes('dport=7070'));
}

describe.each([
  { revoke: true, tag: 'rcon' },
  { revoke: false, tag: 'rcoff' },
])('--revoke-connections=$revoke in network namespaces', ({ revoke, tag }) => {
  let topo: Topology;
  let dp: Dataplane;
  const sessions: TcpSession[] = [];

  beforeAll(async () => {
    await cleanupStale(`paltest-${tag}`);
    topo = await topology(tag);
    dp = new Dataplane({
      exec: netnsExec(topo.node),
      logger: silentLogger(),
      ipv6: false,
      retry: fast,
      revokeConnections: revoke,
    });
    dp.onMessages(model([IP.a, IP.c]));
    await dp.apply();
  });

  afterAll(async () => {
    for (const s of sessions) s.close();
    await topo?.stop();
  });

  it('a peer leaves the allowed set: its connection is cut with the option, kept without; the allowed one survives', async () => {
    const fromA = await openTcpSession(topo.pods.a, IP.b, 8080);
    const fromC = await openTcpSession(topo.pods.c, IP.b, 8080);
    sessions.push(fromA, fromC);
    expect(await fromC.ping()).toBe(true);
    dp.onMessages([{ type: 'IpSetDeltaUpdate', set: CLIENTS, added: [], removed: [IP.c] }]);
    await dp.apply();
    expect(await probe(topo.pods.c, { proto: 'tcp', host: IP.b, port: 8080 })).toBe(false);
    expect(await fromA.ping()).toBe(true);
    expect(await fromC.ping()).toBe(!revoke);
    const lines = await conntrackLines(topo.node);
    expect(lines.some((l) => l.includes(`src=${IP.a} dst=${IP.b}`))).toBe(true);
    expect(
      lines.some((l) => l.includes(`src=${IP.c} dst=${IP.b}`) && l.includes('ESTABLISHED')),
    ).toBe(!revoke);
  });

  it('a policy change refuses a connection the server talks on: cut with the option (no pickup from the other side), kept without', async () => {
    dp.onMessages(model([IP.a, IP.c]));
    await dp.apply();
    const push = pushClient(topo.pods.a);
    try {
      await sleep(500);
      expect(push.received()).toBeGreaterThan(0);
      // b's ingress now admits only 8080: the 7070 connection is refused. a's ingress
      // is open, so a pickup of b's next packet (b → a) would be allowed.
      dp.onMessages([makePolicy('b-in', { inbound: [allow([peerSet(CLIENTS)], [tcp(8080)])] })]);
      await dp.apply();
      await sleep(300);
      const before = push.received();
      await sleep(1000);
      if (revoke) expect(push.received()).toBe(before);
      else expect(push.received()).toBeGreaterThan(before);
    } finally {
      push.close();
    }
  });

  it('cluster policy tiers: an Admin Deny cuts (with the option), an Admin Accept keeps a connection the NetworkPolicy no longer admits', async () => {
    dp.onMessages(model([IP.a, IP.c]));
    await dp.apply();
    const fromA = await openTcpSession(topo.pods.a, IP.b, 8080);
    const fromC = await openTcpSession(topo.pods.c, IP.b, 8080);
    sessions.push(fromA, fromC);
    const cluster = (name: string) => ({ namespace: CLUSTER_SCOPE, name });
    dp.onMessages([
      setUpdate(sel('name==a'), [IP.a]),
      setUpdate(sel('name==c'), [IP.c]),
      { type: 'IpSetDeltaUpdate', set: CLIENTS, added: [], removed: [IP.a] },
      makePolicy('accept-a', {
        namespace: CLUSTER_SCOPE,
        inbound: [allow([peerSet(sel('name==a'))])],
      }),
      makePolicy('deny-c', {
        namespace: CLUSTER_SCOPE,
        inbound: [deny([peerSet(sel('name==c'))])],
      }),
      makeEndpoint('b', [IP.b], {
        ingress: { ...isolatedBy('b-in'), admin: [cluster('accept-a'), cluster('deny-c')] },
      }),
    ]);
    await dp.apply();
    expect(await probe(topo.pods.c, { proto: 'tcp', host: IP.b, port: 8080 })).toBe(false);
    expect(await probe(topo.pods.a, { proto: 'tcp', host: IP.b, port: 8080 })).toBe(true);
    // a left the NetworkPolicy's peers, but the Admin Accept admits it: kept either way.
    expect(await fromA.ping()).toBe(true);
    // The NetworkPolicy still admits c, but the Admin Deny comes first.
    expect(await fromC.ping()).toBe(!revoke);
  });
});
