import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import { isPalisadeError } from '@palisade/model';
import { FakeKernel } from '../../testing/fakeKernel.js';
import { iptablesCommands } from './backend.js';
import { Table, ruleLine, toRules } from './table.js';

const noSleep = {
  attempts: 3,
  sleep: () => Promise.resolve(),
  backoff: { initialMs: 1, maxMs: 1 },
};
const hooks = [{ chain: 'FORWARD', target: 'pal-FORWARD', body: '-j pal-FORWARD' }];
const ten = Array.from({ length: 10 }, (_, i) => `-s 10.0.0.${i}/32 -j ACCEPT`);

function makeTable(k: FakeKernel): Table {
  return new Table({
    family: 4,
    exec: k.exec,
    logger: silentLogger(),
    commands: iptablesCommands('nft', 4),
    hooks,
    retry: noSleep,
  });
}

/** The restore input of the last iptables-restore call, without *filter/COMMIT. */
function lastRestore(k: FakeKernel): string[] {
  const calls = k.callsOf('iptables-nft-restore');
  return (calls[calls.length - 1]?.input ?? '')
    .split('\n')
    .filter((l) => l && l !== '*filter' && l !== 'COMMIT');
}

const line = (chain: string, body: string, occurrence = 0): string =>
  ruleLine('-A', chain, {
    hash: toRules(chain, Array<string>(occurrence + 1).fill(body))[occurrence]!.hash,
    body,
  });

describe('Table', () => {
  let k: FakeKernel;
  let t: Table;
  beforeEach(async () => {
    k = new FakeKernel();
    k.chain(4, 'FORWARD')!.push('-j KUBE-FORWARD');
    t = makeTable(k);
    t.setChain('pal-FORWARD', ['-j pal-x']);
    t.setChain('pal-x', ten);
    await t.apply();
  });

  it('first apply: declares chains, writes rules and puts the jump first, in one transaction', () => {
    expect(k.callsOf('iptables-nft-save')).toHaveLength(1);
    expect(k.callsOf('iptables-nft-restore')).toHaveLength(1);
    expect(k.callsOf('iptables-nft-restore')[0]!.args).toEqual(['--noflush', '-w', '5']);
    const lines = lastRestore(k);
    expect(lines.slice(0, 2)).toEqual([':pal-FORWARD - [0:0]', ':pal-x - [0:0]']);
    expect(lines[lines.length - 1]).toMatch(
      /^-I FORWARD 1 -m comment --comment "pal:[a-z2-7]{16}" -j pal-FORWARD$/,
    );
    expect(k.chain(4, 'FORWARD')).toHaveLength(2);
    expect(k.chain(4, 'FORWARD')![1]).toBe('-j KUBE-FORWARD');
  });

  it('no change → no call', async () => {
    t.setChain('pal-x', [...ten]);
    const s = await t.apply();
    expect(s.restoreCalls).toBe(0);
    expect(k.callsOf('iptables-nft-restore')).toHaveLength(1);
  });

  it('a change in the middle of a 10-rule chain writes only that rule', async () => {
    const next = ten.map((r, i) => (i === 4 ? '-s 10.9.9.9/32 -j ACCEPT' : r));
    t.setChain('pal-x', next);
    const s = await t.apply();
    expect(lastRestore(k)).toEqual([
      line('pal-x', '-s 10.9.9.9/32 -j ACCEPT').replace('-A pal-x', '-R pal-x 5'),
    ]);
    expect(s).toMatchObject({ restoreCalls: 1, rulesWritten: 1, chainsWritten: 1 });
    expect(s.inputBytes).toBe(k.callsOf('iptables-nft-restore').at(-1)!.input!.length);
    expect(k.chain(4, 'pal-x')!.map((r) => r.replace(/^.*"pal:\w+" /, ''))).toEqual(next);
  });

  it('insert and delete in the middle', async () => {
    t.setChain('pal-x', [...ten.slice(0, 2), '-j DROP', ...ten.slice(2, 7), ...ten.slice(8)]);
    await t.apply();
    expect(lastRestore(k)).toEqual([
      line('pal-x', '-j DROP').replace('-A pal-x', '-I pal-x 3'),
      '-D pal-x 9',
    ]);
  });

  it('identical rules in one chain get distinct hashes', () => {
    const rules = toRules('pal-y', [
      '-j MARK --set-xmark 0x0/0x30000',
      '-j pal-a',
      '-j MARK --set-xmark 0x0/0x30000',
    ]);
    expect(rules[0]!.hash).not.toBe(rules[2]!.hash);
  });

  it('moving a policy block to the end (priority change) edits a few rules, not every copy', async () => {
    const block = (p: number): string[] => [
      `-m mark ! --mark 0x20000/0x20000 -s 10.1.0.${p}/32 -j ACCEPT`,
      '-m mark --mark 0x10000/0x10000 -j RETURN',
    ];
    const tier = (order: number[]): string[] => [
      '-j MARK --set-xmark 0x0/0x30000',
      ...order.flatMap(block),
      '-j MARK --set-xmark 0x0/0x20000',
    ];
    const order = Array.from({ length: 30 }, (_, i) => i);
    t.setChain('pal-x', tier(order));
    await t.apply();
    const moved = [...order.slice(1), 0];
    t.setChain('pal-x', tier(moved));
    await t.apply();
    expect(lastRestore(k).length).toBeLessThanOrEqual(6);
    expect(k.chain(4, 'pal-x')!.map((r) => r.replace(/^.*"pal:\w+" /, ''))).toEqual(tier(moved));
  });

  it('deleting a chain: references go first, then flush and delete', async () => {
    t.setChain('pal-FORWARD', []);
    t.deleteChain('pal-x');
    await t.apply();
    expect(lastRestore(k)).toEqual(['-D pal-FORWARD 1', '-F pal-x', '-X pal-x']);
    expect(k.chain(4, 'pal-x')).toBeUndefined();
  });

  it('resync after clobbering: a flushed chain and a removed jump are repaired', async () => {
    k.chain(4, 'pal-x')!.length = 0;
    k.chain(4, 'FORWARD')!.shift();
    k.chain(4, 'FORWARD')!.unshift('-j DOCKER-USER');
    const clobbered: string[][] = [];
    const t2 = new Table({
      family: 4,
      exec: k.exec,
      logger: silentLogger(),
      commands: iptablesCommands('nft', 4),
      hooks,
      retry: noSleep,
      onClobber: (c) => clobbered.push(c),
    });
    t2.setChain('pal-FORWARD', ['-j pal-x']);
    t2.setChain('pal-x', ten);
    await t2.apply(); // first apply after "restart": nothing to compare with, repairs anyway
    expect(k.chain(4, 'pal-x')).toHaveLength(10);
    expect(k.chain(4, 'FORWARD')![0]).toMatch(/-j pal-FORWARD$/);
    k.chain(4, 'pal-x')!.splice(3, 1);
    k.chain(4, 'FORWARD')!.reverse();
    t2.markForResync();
    await t2.apply();
    expect(clobbered).toEqual([['FORWARD', 'pal-x']]);
    expect(k.chain(4, 'pal-x')).toHaveLength(10);
    expect(k.chain(4, 'FORWARD')![0]).toMatch(/-j pal-FORWARD$/);
    expect(k.chain(4, 'FORWARD')).toHaveLength(3);
  });

  it('restart: replaces the previous run in one transaction and removes its stale chains last', async () => {
    const t2 = makeTable(k);
    t2.setChain('pal-FORWARD', ['-j pal-z']);
    t2.setChain('pal-z', ['-j DROP']);
    await t2.apply();
    const lines = lastRestore(k);
    expect(lines).toEqual([
      ':pal-z - [0:0]',
      line('pal-z', '-j DROP'),
      line('pal-FORWARD', '-j pal-z').replace('-A pal-FORWARD', '-R pal-FORWARD 1'),
      '-F pal-x',
      '-X pal-x',
    ]);
  });

  it('retries a failed restore after re-reading the kernel', async () => {
    k.failures.set('iptables-nft-restore', 2);
    t.setChain('pal-x', ['-j DROP']);
    const saves = k.callsOf('iptables-nft-save').length;
    await t.apply();
    expect(k.callsOf('iptables-nft-restore')).toHaveLength(4);
    expect(k.callsOf('iptables-nft-save').length).toBe(saves + 2);
    expect(k.chain(4, 'pal-x')).toHaveLength(1);
  });

  it('prefetch: a failed read is done again by apply, a good one is not repeated', async () => {
    t.markForResync();
    k.failures.set('iptables-nft-save', 1);
    const saves = k.callsOf('iptables-nft-save').length;
    t.prefetch();
    t.setChain('pal-x', ['-j DROP']);
    await t.apply();
    expect(k.callsOf('iptables-nft-save').length).toBe(saves + 2);
    expect(k.chain(4, 'pal-x')).toHaveLength(1);
    t.markForResync();
    t.prefetch();
    t.prefetch();
    t.setChain('pal-x', ['-j ACCEPT']);
    await t.apply();
    expect(k.callsOf('iptables-nft-save').length).toBe(saves + 3);
    expect(k.chain(4, 'pal-x')![0]).toMatch(/-j ACCEPT$/);
  });

  it('with after: builds at once, writes once it resolves; a rejected after writes nothing', async () => {
    const writes = (): number => k.callsOf('iptables-nft-restore').length;
    const before = writes();
    t.setChain('pal-x', ['-j DROP']);
    let release = (): void => undefined;
    const after = new Promise<void>((resolve) => (release = resolve));
    const applied = t.apply({ after });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(writes()).toBe(before);
    release();
    const s = await applied;
    expect(writes()).toBe(before + 1);
    expect(s.diff!.end).toBeLessThanOrEqual(s.wait!.end);
    expect(s.wait!.end).toBeLessThanOrEqual(s.write!.start);

    t.setChain('pal-x', ['-j ACCEPT']);
    const err: unknown = await t
      .apply({ after: Promise.reject(new Error('ipsets failed')) })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('ipsets failed');
    expect(writes()).toBe(before + 1);
    expect(k.chain(4, 'pal-x')![0]).toMatch(/-j DROP$/);
    await t.apply(); // the chain stayed dirty
    expect(k.chain(4, 'pal-x')![0]).toMatch(/-j ACCEPT$/);
  });

  it('throws EXEC_FAILED after 3 failed attempts', async () => {
    k.failures.set('iptables-nft-restore', 3);
    t.setChain('pal-x', ['-j DROP']);
    const err: unknown = await t.apply().catch((e: unknown) => e);
    expect(isPalisadeError(err, 'EXEC_FAILED')).toBe(true);
    expect(k.callsOf('iptables-nft-restore')).toHaveLength(4);
    await t.apply(); // recovers once the kernel accepts writes again
    expect(k.chain(4, 'pal-x')).toHaveLength(1);
  });

  it('cleanup removes our jump and chains, nothing else', async () => {
    k.chain(4, 'FORWARD')!.push('-j DOCKER');
    await t.cleanup();
    expect(k.chain(4, 'FORWARD')).toEqual(['-j KUBE-FORWARD', '-j DOCKER']);
    expect([...k.tables.get('ip')!.keys()]).toEqual(['INPUT', 'FORWARD', 'OUTPUT']);
  });
});
