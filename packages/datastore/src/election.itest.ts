import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LEADER_KEY } from '@palisade/model';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient } from './client.js';
import { LeaderElection } from './election.js';
import { startEtcd, startTcpProxy, waitFor, type TestEtcd } from './testing/index.js';

const run = promisify(execFile);
const TTL = 2;

let etcd: TestEtcd;
let observer: EtcdClient;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  observer = EtcdClient.connect({ endpoints: etcd.endpoints });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await observer?.close();
  await etcd?.destroy();
});

interface Candidate {
  id: string;
  election: LeaderElection;
  client: EtcdClient;
  events: string[];
}

function candidate(id: string, opts: { endpoint?: string; key?: string } = {}): Candidate {
  const client = EtcdClient.connect({
    endpoints: opts.endpoint ? [opts.endpoint] : etcd.endpoints,
    requestTimeoutMs: 1000,
  });
  const election = new LeaderElection({
    client,
    id,
    ttlSeconds: TTL,
    ...(opts.key ? { key: opts.key } : {}),
  });
  const events: string[] = [];
  election.run({
    onElected: () => events.push('elected'),
    onDeposed: () => events.push('deposed'),
  });
  const c = { id, election, client, events };
  cleanups.push(async () => {
    await election.resign();
    await client.close();
  });
  return c;
}

const leaders = (cs: Candidate[]): string[] =>
  cs.filter((c) => c.election.isLeader()).map((c) => c.id);

describe('LeaderElection', () => {
  it('elects exactly one of two candidates and shows it to etcdctl; resign hands over', async () => {
    const a = candidate('ctrl-a');
    const b = candidate('ctrl-b');
    await waitFor(() => leaders([a, b]).length === 1, { what: 'a leader' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(leaders([a, b])).toHaveLength(1);
    const [first, second] = a.election.isLeader() ? [a, b] : [b, a];
    expect(await LeaderElection.currentLeader(observer)).toMatchObject({ id: first.id });
    const { stdout } = await run(
      'etcdctl',
      ['--endpoints', etcd.endpoints[0]!, 'get', '--prefix', LEADER_KEY],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
      },
    );
    expect(stdout).toContain(`"holder": "${first.id}"`);

    const t0 = Date.now();
    await first.election.resign();
    await waitFor(() => second.election.isLeader(), {
      what: 'takeover after resign',
      timeoutMs: TTL * 1000,
    });
    expect(Date.now() - t0).toBeLessThan(TTL * 1000);
    expect(first.election.isLeader()).toBe(false);
    expect(await LeaderElection.currentLeader(observer)).toMatchObject({ id: second.id });
    expect(second.events).toEqual(['elected']);
  });

  it('the other candidate takes over within the TTL when the leader dies', async () => {
    const a = candidate('ctrl-a', { key: '/t/election/dies' });
    await waitFor(() => a.election.isLeader(), { what: 'a elected' });
    const b = candidate('ctrl-b', { key: '/t/election/dies' });
    await new Promise((r) => setTimeout(r, 500));
    expect(b.election.isLeader()).toBe(false);
    // Kill a: its process stops keeping the lease alive, nothing is revoked.
    await a.client.close();
    const t0 = Date.now();
    await waitFor(() => b.election.isLeader(), {
      what: 'b takes over',
      timeoutMs: TTL * 1000 + 1500,
    });
    // etcd expires leases TTL after the last keepalive (sent up to TTL/3 before the kill),
    // then b notices within one poll; allow etcd's expiry-check granularity on top.
    expect(Date.now() - t0).toBeLessThan(TTL * 1000 + 1500);
  });

  it('a leader cut off from etcd is deposed before anyone else is elected, then campaigns again', async () => {
    const proxy = await startTcpProxy(etcd.endpoints[0]!);
    cleanups.push(() => proxy.close());
    const a = candidate('ctrl-a', { endpoint: proxy.url, key: '/t/election/partition' });
    await waitFor(() => a.election.isLeader(), { what: 'a elected' });
    const b = candidate('ctrl-b', { key: '/t/election/partition' });
    let overlap = false;
    const watch = setInterval(() => {
      if (a.election.isLeader() && b.election.isLeader()) overlap = true;
    }, 5);
    try {
      proxy.block();
      await waitFor(() => a.events.includes('deposed'), {
        what: 'a deposed',
        timeoutMs: TTL * 1000 + 1000,
      });
      await waitFor(() => b.election.isLeader(), {
        what: 'b takes over',
        timeoutMs: TTL * 1000 + 2000,
      });
      proxy.unblock();
      await new Promise((r) => setTimeout(r, 1500));
      expect(leaders([a, b])).toEqual(['ctrl-b']);
      expect(overlap).toBe(false);
      expect(a.events).toEqual(['elected', 'deposed']);
    } finally {
      clearInterval(watch);
    }
  });

  it('currentLeader is null when nobody leads', async () => {
    expect(await LeaderElection.currentLeader(observer, '/t/election/nobody')).toBeNull();
  });
});
