import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import {
  CHAINS,
  dispatchChain,
  ipsetName,
  isPalisadeError,
  policyInboundChain,
  toWorkloadChain,
} from '@palisade/model';
import type { CalcMessage } from '../messages.js';
import { FakeKernel } from '../testing/fakeKernel.js';
import {
  allow,
  isolatedBy,
  makeEndpoint,
  makePolicy,
  peerSet,
  sel,
  setUpdate,
  tcp,
} from '../testing/dataplaneBuilders.js';
import { Dataplane } from './dataplane.js';

const noSleep = {
  attempts: 3,
  sleep: () => Promise.resolve(),
  backoff: { initialMs: 1, maxMs: 1 },
};
const DB = sel('role==db');
const PI = policyInboundChain('default', 'allow-db');
const TW_A = toWorkloadChain('default', 'a');

function initial(): CalcMessage[] {
  return [
    setUpdate(DB, ['10.0.0.9', 'fd00::9']),
    makePolicy('allow-db', { inbound: [allow([peerSet(DB)], [tcp(5432)])] }),
    makeEndpoint('a', ['10.0.0.1', 'fd00::1'], { ingress: isolatedBy('allow-db') }),
    makeEndpoint('b', ['10.0.0.2']),
  ];
}

describe('Dataplane', () => {
  let k: FakeKernel;
  let dp: Dataplane;
  beforeEach(async () => {
    k = new FakeKernel();
    dp = new Dataplane({ exec: k.exec, logger: silentLogger(), ipv6: true, retry: noSleep });
    dp.onMessages(initial());
    await dp.apply();
  });

  it('reads the kernel first, programs sets, then one transaction per family', () => {
    const order = k.calls.map((c) => `${c.cmd} ${c.args[0] ?? ''}`);
    // ipset save gates the first write; the iptables reads overlap the ipset restore.
    expect(order).toEqual([
      'ipset save',
      'ipset restore',
      'iptables-nft-save -t',
      'ip6tables-nft-save -t',
      'iptables-nft-restore --noflush',
      'ip6tables-nft-restore --noflush',
    ]);
    for (const family of [4, 6] as const) {
      expect(k.chain(family, 'FORWARD')![0]).toMatch(/-j pal-FORWARD$/);
      expect(k.chain(family, PI)).toHaveLength(1);
      expect(k.chain(family, TW_A)!.at(-1)).toMatch(/-j DROP$/);
    }
    expect(k.chain(4, PI)![0]).toContain(`--match-set ${ipsetName('s', 'role==db', 4)} src`);
    expect(k.chain(6, CHAINS.toWorkloadDispatch)).toHaveLength(1);
    expect(k.chain(4, CHAINS.toWorkloadDispatch)).toHaveLength(2);
    expect(dp.counts()).toEqual({ chains: 2 * 8, ipsets: 2 });
  });

  it('reports where the time went: reads, render, ipset write, then each family', async () => {
    dp.markForResync();
    dp.onMessages([makeEndpoint('c', ['10.0.0.3', 'fd00::3'])]);
    const { breakdown: b } = await dp.apply();
    expect(b.ipsets.read).toBeDefined();
    expect(b.ipsets.write).toBeUndefined(); // the sets were right already
    for (const f of [b.families.v4!, b.families.v6!]) {
      expect(f.read!.startMs).toBeLessThan(b.render.startMs);
      expect(f.diff!.startMs).toBeGreaterThanOrEqual(b.render.startMs + b.render.ms);
      expect(f.write!.startMs).toBeGreaterThanOrEqual(f.diff!.startMs + f.diff!.ms);
      expect(f.inputBytes).toBeGreaterThan(0);
    }
    expect(b.totalMs).toBeGreaterThanOrEqual(b.families.v4!.write!.startMs);
  });

  it('pod churn changes ipset members only: no iptables call', async () => {
    k.calls.length = 0;
    dp.onMessages([
      { type: 'IpSetDeltaUpdate', set: DB, added: ['10.0.0.10'], removed: ['10.0.0.9'] },
    ]);
    const r = await dp.apply();
    expect(r).toMatchObject({ iptablesRestoreCalls: 0, ipsetCalls: 1, rulesWritten: 0 });
    expect(k.calls.map((c) => c.cmd)).toEqual(['ipset']);
  });

  it('nothing changed → no kernel call at all', async () => {
    k.calls.length = 0;
    dp.onMessages(initial());
    const r = await dp.apply();
    expect(r.iptablesRestoreCalls + r.ipsetCalls).toBe(0);
    expect(k.calls).toHaveLength(0);
  });

  it('a new endpoint adds its chains and one dispatch rule per direction', async () => {
    dp.onMessages([makeEndpoint('c', ['10.0.0.3'])]);
    const r = await dp.apply();
    expect(r.iptablesRestoreCalls).toBe(2);
    const v4 = k.callsOf('iptables-nft-restore').at(-1)!.input!;
    expect(v4.match(/^-[AIR] pal-(from|to)-wl-dispatch/gm)).toHaveLength(2);
  });

  it('removing a policy and its set: chain goes in the transaction, set after it', async () => {
    dp.onMessages([
      makeEndpoint('a', ['10.0.0.1', 'fd00::1']),
      { type: 'PolicyRemove', policy: { namespace: 'default', name: 'allow-db' } },
      { type: 'IpSetRemove', set: DB },
    ]);
    k.calls.length = 0;
    await dp.apply();
    expect(k.chain(4, PI)).toBeUndefined();
    expect(k.sets.size).toBe(0);
    expect(k.calls.at(-1)).toMatchObject({ cmd: 'ipset', args: ['restore', '-exist'] });
    expect(k.calls.at(-1)!.input).toContain('destroy');
  });

  it('ipsets that cannot be written: no iptables write at all, then a full recovery', async () => {
    const NEW = sel('role==new');
    dp.onMessages([
      setUpdate(NEW, ['10.0.0.7']),
      makePolicy('allow-db', { inbound: [allow([peerSet(NEW)], [tcp(5432)])] }),
    ]);
    k.calls.length = 0;
    k.failures.set('ipset', 3);
    const err: unknown = await dp.apply().catch((e: unknown) => e);
    expect(isPalisadeError(err, 'EXEC_FAILED')).toBe(true);
    expect(k.callsOf('iptables-nft-restore')).toHaveLength(0);
    expect(k.callsOf('ip6tables-nft-restore')).toHaveLength(0);
    expect(k.chain(4, PI)![0]).toContain(ipsetName('s', 'role==db', 4));
    await dp.apply();
    expect(k.chain(4, PI)![0]).toContain(ipsetName('s', 'role==new', 4));
    expect(k.chain(6, PI)![0]).toContain(ipsetName('s', 'role==new', 6));
  });

  it('an endpoint referencing an unknown policy gets an empty (deny-all) policy chain', async () => {
    dp.onMessages([makeEndpoint('b', ['10.0.0.2'], { egress: isolatedBy('not-sent-yet') })]);
    await dp.apply();
    expect(k.chain(4, 'pal-po-' + PI.slice(7))).toBeUndefined();
    const chains = [...k.tables.get('ip')!.keys()].filter((c) => c.startsWith('pal-po-'));
    expect(chains).toHaveLength(1);
    expect(k.chain(4, chains[0]!)).toEqual([]);
  });

  it('a restarted agent converges without rewriting unchanged chains', async () => {
    const dp2 = new Dataplane({ exec: k.exec, logger: silentLogger(), ipv6: true, retry: noSleep });
    dp2.onMessages(initial());
    k.calls.length = 0;
    const r = await dp2.apply();
    expect(r.iptablesRestoreCalls).toBe(0);
    expect(k.calls.map((c) => c.cmd)).toEqual(['ipset', 'iptables-nft-save', 'ip6tables-nft-save']);
  });

  it('cleanup leaves nothing of ours', async () => {
    await dp.cleanup();
    expect([...k.tables.get('ip')!.keys()]).toEqual(['INPUT', 'FORWARD', 'OUTPUT']);
    expect([...k.tables.get('ip6')!.keys()]).toEqual(['INPUT', 'FORWARD', 'OUTPUT']);
    expect(k.chain(4, 'FORWARD')).toEqual([]);
    expect(k.sets.size).toBe(0);
  });
});

describe('Dataplane dispatch on a dense node', () => {
  const pod = (i: number): CalcMessage => makeEndpoint(`p${i}`, [`10.1.${i >> 8}.${i & 255}`]);

  it('a new pod among 250 rewrites its own two chains and O(log n) dispatch chains', async () => {
    const k = new FakeKernel();
    const dp = new Dataplane({ exec: k.exec, logger: silentLogger(), ipv6: false, retry: noSleep });
    dp.onMessages(Array.from({ length: 250 }, (_, i) => pod(i + 2)));
    await dp.apply();
    dp.onMessages([pod(252)]);
    const r = await dp.apply();
    // pal-tw/pal-fw of the pod, plus per direction its /28 (the root points there already).
    expect(r.chainsWritten).toBe(4);
    expect(r.rulesWritten).toBe(2 + 2 + 2);
    dp.onMessages([{ type: 'EndpointRemove', endpoint: { namespace: 'default', name: 'p252' } }]);
    expect((await dp.apply()).chainsWritten).toBe(4);
  });
});

describe('Dataplane dispatch of a shared IP', () => {
  const open = makeEndpoint('open', ['10.0.0.5']);
  const shut = makeEndpoint('shut', ['10.0.0.5'], { ingress: isolatedBy() });

  it('adds and removes the shared-IP leaf in the same restore as the root', async () => {
    const k = new FakeKernel();
    const dp = new Dataplane({ exec: k.exec, logger: silentLogger(), ipv6: false, retry: noSleep });
    dp.onMessages([open]);
    await dp.apply();
    const restores = (): number => k.callsOf('iptables-nft-restore').length;
    const before = restores();
    dp.onMessages([shut]);
    await dp.apply();
    expect(restores()).toBe(before + 1);
    const leaf = dispatchChain('to', '10.0.0.5/32');
    expect(k.chain(4, CHAINS.toWorkloadDispatch)?.join('\n')).toContain(`-g ${leaf}`);
    expect(k.chain(4, leaf)?.length).toBe(4);
    dp.onMessages([{ type: 'EndpointRemove', endpoint: { namespace: 'default', name: 'open' } }]);
    await dp.apply();
    expect(restores()).toBe(before + 2);
    // One transaction: the root stops jumping to the leaf, then the leaf is flushed and
    // deleted (the fake kernel refuses -X of a chain still in use).
    const lines = k.callsOf('iptables-nft-restore').at(-1)!.input!.split('\n');
    const root = lines.findIndex((l) => l.startsWith(`-R ${CHAINS.toWorkloadDispatch} `));
    expect(root).toBeGreaterThan(0);
    expect(lines.indexOf(`-F ${leaf}`)).toBeGreaterThan(root);
    expect(lines.indexOf(`-X ${leaf}`)).toBeGreaterThan(lines.indexOf(`-F ${leaf}`));
    expect(k.chain(4, leaf)).toBeUndefined();
    expect(k.chain(4, CHAINS.toWorkloadDispatch)?.join('\n')).toContain(
      `-d 10.0.0.5/32 -g ${toWorkloadChain('default', 'shut')}`,
    );
  });
});
