/**
 * The dataplane against real iptables (nft and legacy), ipset and conntrack, inside
 * throwaway network namespaces: pods a, b, c wired to a node namespace whose FORWARD
 * chain the Dataplane programs. Real TCP/UDP traffic (v4 and v6) checks the verdicts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import { CHAINS, fromWorkloadChain, policyInboundChain, toWorkloadChain } from '@palisade/model';
import type { CalcMessage } from '../messages.js';
import {
  allow,
  isolatedBy,
  makeEndpoint,
  makePolicy,
  peerSet,
  sel,
  setUpdate,
  tcp,
  udp,
} from '../testing/dataplaneBuilders.js';
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
} from '../testing/netns.js';
import { Dataplane } from './dataplane.js';

const IP = { a: '10.65.0.2', b: '10.65.0.3', c: '10.65.0.4' };
const IP6 = { a: 'fd00:65::2', b: 'fd00:65::3' };
const FROM_A = sel('app==a');
const fast = { attempts: 3, sleep: () => Promise.resolve(), backoff: { initialMs: 1, maxMs: 1 } };

const FOREIGN = [
  '*filter',
  ':KUBE-FWD - [0:0]',
  '-A FORWARD -m comment --comment "kube-like" -j KUBE-FWD',
  '-A KUBE-FWD -m conntrack --ctstate INVALID -j DROP',
  'COMMIT',
  '',
].join('\n');

const node = uniqueNetnsName('dpn');
const pods = { a: uniqueNetnsName('dpa'), b: uniqueNetnsName('dpb'), c: uniqueNetnsName('dpc') };
let servers: Servers;

/** iptables-save/ipset of the node namespace without timestamps and counters. */
async function snapshot(ns = node): Promise<string> {
  const parts = await Promise.all([
    nsRun(ns, 'iptables-save', []),
    nsRun(ns, 'ip6tables-save', []),
    nsRun(ns, 'iptables-legacy-save', []),
    nsRun(ns, 'ipset', ['list', '-n']),
  ]);
  return parts
    .join('\n')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]'))
    .join('\n');
}

async function palChains(cmd = 'iptables-save'): Promise<string[]> {
  const out = await nsRun(node, cmd, ['-t', 'filter']);
  return out
    .split('\n')
    .filter((l) => l.startsWith(':pal-'))
    .map((l) => l.slice(1).split(' ')[0]!)
    .sort();
}

async function savedLines(chain: string, cmd = 'iptables-save'): Promise<string[]> {
  const out = await nsRun(node, cmd, ['-t', 'filter']);
  return out.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
}

const reach = (
  from: keyof typeof pods,
  host: string,
  port: number,
  proto: 'tcp' | 'udp' = 'tcp',
): Promise<boolean> => probe(pods[from], { proto, host, port });

function base(): CalcMessage[] {
  return [
    setUpdate(FROM_A, [IP.a, IP6.a]),
    makePolicy('b-ingress', { inbound: [allow([peerSet(FROM_A)], [tcp(8080)])] }),
    makeEndpoint('a', [IP.a, IP6.a], { namespace: 'ns1' }),
    makeEndpoint('b', [IP.b, IP6.b], { namespace: 'ns1', ingress: isolatedBy('b-ingress') }),
    makeEndpoint('c', [IP.c], { namespace: 'ns1' }),
  ];
}

describe('Dataplane in a network namespace', () => {
  let dp: Dataplane;
  let pristine: string;

  beforeAll(async () => {
    await cleanupStale('paltest-dp');
    await createNetns(node, { forwarding: true });
    await createNetns(pods.a);
    await createNetns(pods.b);
    await createNetns(pods.c);
    await addVethPod({ node, pod: pods.a, ip: IP.a, ip6: IP6.a });
    await addVethPod({ node, pod: pods.b, ip: IP.b, ip6: IP6.b });
    await addVethPod({ node, pod: pods.c, ip: IP.c });
    servers = await startServers(pods.b, { tcp: [8080, 9090], udp: [5353] });
    // What kube-proxy or docker might have: Palisade must leave it alone.
    for (const cmd of ['iptables', 'ip6tables']) {
      await nsRun(node, `${cmd}-restore`, ['--noflush'], FOREIGN);
    }
    await nsRun(node, 'iptables-legacy', ['-L', '-n']);
    await nsRun(node, 'ipset', ['create', 'KUBE-TEST', 'hash:ip']);
    pristine = await snapshot();
    dp = new Dataplane({
      exec: netnsExec(node),
      logger: silentLogger(),
      ipv6: true,
      retry: fast,
      nflogGroup: 7,
    });
  });

  afterAll(async () => {
    servers?.stop();
    for (const ns of [...Object.values(pods), node]) await deleteNetns(ns);
  });

  it('without policy everything flows', async () => {
    expect(await reach('a', IP.b, 9090)).toBe(true);
    expect(await reach('c', IP.b, 5353, 'udp')).toBe(true);
  });

  it('programs exactly the expected chains, with the jump first in FORWARD', async () => {
    dp.onMessages(base());
    const r = await dp.apply();
    expect(r.iptablesRestoreCalls).toBe(2);
    const expected = [
      CHAINS.forward,
      CHAINS.fromWorkloadDispatch,
      CHAINS.toWorkloadDispatch,
      policyInboundChain('default', 'b-ingress'),
      ...['a', 'b', 'c'].flatMap((p) => [toWorkloadChain('ns1', p), fromWorkloadChain('ns1', p)]),
    ].sort();
    expect(await palChains()).toEqual(expected);
    expect(await palChains('ip6tables-save')).toEqual(expected);
    const fwd = await savedLines('FORWARD');
    expect(fwd).toHaveLength(2);
    expect(fwd[0]).toMatch(/^-A FORWARD -m comment --comment "?pal:[a-z2-7]{16}"? -j pal-FORWARD$/);
    expect(fwd[1]).toBe('-A FORWARD -m comment --comment kube-like -j KUBE-FWD');
    const strip = (l: string): string =>
      l.replace(/ -m comment --comment "?pal:[a-z2-7]{16}"?/, '');
    expect((await savedLines(CHAINS.forward)).map(strip)).toEqual([
      '-A pal-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A pal-FORWARD -j MARK --set-xmark 0x0/0x30000',
      '-A pal-FORWARD -j pal-from-wl-dispatch',
      '-A pal-FORWARD -j pal-to-wl-dispatch',
      '-A pal-FORWARD -m mark --mark 0x10000/0x10000 -j ACCEPT',
    ]);
    const pi = policyInboundChain('default', 'b-ingress');
    expect((await savedLines(pi)).map(strip)).toEqual([
      `-A ${pi} -p tcp -m tcp --dport 8080 -m set --match-set pal4s-${await setSuffix()} src -j MARK --set-xmark 0x10000/0x10000`,
    ]);
    expect(dp.counts()).toEqual({ chains: expected.length * 2, ipsets: 2 });
  });

  it('enforces ingress isolation on real TCP and UDP traffic, v4 and v6', async () => {
    expect(await reach('a', IP.b, 8080)).toBe(true);
    expect(await reach('a', IP6.b, 8080)).toBe(true);
    expect(await reach('a', IP.b, 9090)).toBe(false);
    expect(await reach('a', IP6.b, 9090)).toBe(false);
    expect(await reach('a', IP.b, 5353, 'udp')).toBe(false);
    expect(await reach('c', IP.b, 8080)).toBe(false);
    const counted = await nsRun(node, 'iptables-save', ['-c', '-t', 'filter']);
    const nflog = counted
      .split('\n')
      .find((l) => l.includes(`-A ${toWorkloadChain('ns1', 'b')} `) && l.includes('NFLOG'));
    expect(nflog).toMatch(/^\[[1-9]\d*:\d+\] .*--nflog-prefix "?pal\|D\|i\|/);
  });

  it('pod churn is an ipset change only, and takes effect', async () => {
    dp.onMessages([{ type: 'IpSetDeltaUpdate', set: FROM_A, added: [IP.c], removed: [] }]);
    const r = await dp.apply();
    expect(r).toMatchObject({ iptablesRestoreCalls: 0, ipsetCalls: 1 });
    expect(await reach('c', IP.b, 8080)).toBe(true);
  });

  it('a policy change rewrites only the policy chain; UDP allowed', async () => {
    dp.onMessages([
      makePolicy('b-ingress', { inbound: [allow([peerSet(FROM_A)], [tcp(8080), udp(5353)])] }),
    ]);
    const r = await dp.apply();
    expect(r).toMatchObject({ iptablesRestoreCalls: 2, chainsWritten: 2, rulesWritten: 2 });
    expect(await reach('a', IP.b, 5353, 'udp')).toBe(true);
    expect(await reach('a', IP.b, 9090)).toBe(false);
  });

  it('egress isolation of the source applies to same-node traffic; established connections survive', async () => {
    const session = await openTcpSession(pods.a, IP.b, 8080);
    try {
      dp.onMessages([makeEndpoint('a', [IP.a, IP6.a], { namespace: 'ns1', egress: isolatedBy() })]);
      await dp.apply();
      expect(await reach('a', IP.b, 8080)).toBe(false);
      expect(await session.ping()).toBe(true);
    } finally {
      session.close();
    }
    dp.onMessages(base());
    await dp.apply();
    expect(await reach('a', IP.b, 8080)).toBe(true);
  });

  it('resync repairs a flushed pal-FORWARD and a deleted FORWARD jump', async () => {
    const before = await snapshot();
    await nsRun(node, 'iptables', ['-F', CHAINS.forward]);
    await nsRun(node, 'iptables', ['-D', 'FORWARD', '1']);
    await nsRun(node, 'ip6tables', ['-F', toWorkloadChain('ns1', 'b')]);
    const ourSet = (await nsRun(node, 'ipset', ['list', '-n']))
      .split('\n')
      .find((n) => n.startsWith('pal4s-'))!;
    await nsRun(node, 'ipset', ['flush', ourSet]);
    expect(await reach('a', IP.b, 9090)).toBe(true); // policy bypassed while clobbered
    dp.markForResync();
    await dp.apply();
    expect(await snapshot()).toEqual(before);
    expect(await reach('a', IP.b, 9090)).toBe(false);
  });

  it('a restarted agent takes over the existing state without a single write', async () => {
    const dp2 = new Dataplane({
      exec: netnsExec(node),
      logger: silentLogger(),
      ipv6: true,
      nflogGroup: 7,
    });
    dp2.onMessages(base());
    const r = await dp2.apply();
    expect(r).toMatchObject({ iptablesRestoreCalls: 0, rulesWritten: 0 });
    expect(await reach('a', IP.b, 9090)).toBe(false);
    dp = dp2;
  });

  it('a restart with less state removes the stale chains and sets', async () => {
    const dp2 = new Dataplane({
      exec: netnsExec(node),
      logger: silentLogger(),
      ipv6: true,
      nflogGroup: 7,
    });
    dp2.onMessages([makeEndpoint('a', [IP.a], { namespace: 'ns1' })]);
    const r = await dp2.apply();
    expect(r.iptablesRestoreCalls).toBe(2);
    expect(await palChains()).toEqual(
      [
        CHAINS.forward,
        CHAINS.fromWorkloadDispatch,
        CHAINS.toWorkloadDispatch,
        toWorkloadChain('ns1', 'a'),
        fromWorkloadChain('ns1', 'a'),
      ].sort(),
    );
    expect((await nsRun(node, 'ipset', ['list', '-n'])).trim()).toBe('KUBE-TEST');
    expect(await reach('a', IP.b, 9090)).toBe(true);
    dp = dp2;
  });

  it('cleanup leaves iptables and ipsets as they were', async () => {
    dp.onMessages(base());
    await dp.apply();
    await dp.cleanup();
    expect(await snapshot()).toEqual(pristine);
  });

  it('the legacy backend works the same way and auto-detects it', async () => {
    const legacy = new Dataplane({
      exec: netnsExec(node),
      logger: silentLogger(),
      ipv6: false,
      backend: 'legacy',
    });
    legacy.onMessages(base());
    await legacy.apply();
    expect(await palChains('iptables-legacy-save')).toContain(CHAINS.forward);
    expect(await palChains()).toEqual([]);
    expect(await reach('a', IP.b, 9090)).toBe(false);
    expect(await reach('a', IP.b, 8080)).toBe(true);
    const auto = new Dataplane({
      exec: netnsExec(node),
      logger: silentLogger(),
      ipv6: false,
      backend: 'auto',
    });
    auto.onMessages(base());
    const r = await auto.apply();
    expect(r.iptablesRestoreCalls).toBe(0); // found the legacy rules: nothing to write
    await auto.cleanup();
    expect(await snapshot()).toEqual(pristine);
  });
});

async function setSuffix(): Promise<string> {
  const { ipsetName } = await import('@palisade/model');
  return ipsetName('s', 'app==a', 4).slice('pal4s-'.length);
}
