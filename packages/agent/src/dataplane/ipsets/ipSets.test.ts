import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import { ipsetName } from '@palisade/model';
import { FakeKernel } from '../../testing/fakeKernel.js';
import { cidrSet, named, sel } from '../../testing/dataplaneBuilders.js';
import { IpSets } from './ipSets.js';

const noSleep = {
  attempts: 3,
  sleep: () => Promise.resolve(),
  backoff: { initialMs: 1, maxMs: 1 },
};
const A4 = ipsetName('s', 'a', 4);
const A6 = ipsetName('s', 'a', 6);

function restores(k: FakeKernel): string[][] {
  return k.calls
    .filter((c) => c.args[0] === 'restore')
    .map((c) => (c.input ?? '').trim().split('\n'));
}

describe('IpSets', () => {
  let k: FakeKernel;
  let s: IpSets;
  beforeEach(() => {
    k = new FakeKernel();
    s = new IpSets({
      exec: k.exec,
      logger: silentLogger(),
      ipv6: true,
      retry: noSleep,
      swapThreshold: 4,
    });
  });

  it('creates both families and splits members', async () => {
    s.replaceMembers(sel('a'), ['10.0.0.2', 'fd00::1', '10.0.0.1']);
    await s.applyUpdates();
    expect(restores(k)).toEqual([
      [
        `create ${A4} hash:ip family inet hashsize 1024 maxelem 1048576`,
        `add ${A4} 10.0.0.1`,
        `add ${A4} 10.0.0.2`,
        `create ${A6} hash:ip family inet6 hashsize 1024 maxelem 1048576`,
        `add ${A6} fd00::1`,
      ],
    ]);
    expect(k.calls[0]!.args).toEqual(['save']);
    expect(k.calls[1]!.args).toEqual(['restore', '-exist']);
  });

  it('writes a set of 300k members: created, then rewritten through a swap', async () => {
    const ips = (from: number): string[] =>
      Array.from(
        { length: 300_000 },
        (_, i) => `10.${(i + from) >> 16}.${((i + from) >> 8) & 255}.${(i + from) & 255}`,
      );
    s.replaceMembers(sel('a'), ips(0));
    await s.applyUpdates();
    expect(k.sets.get(A4)!.members.size).toBe(300_000);
    s.replaceMembers(sel('a'), ips(300_000));
    await s.applyUpdates();
    expect(k.sets.get(A4)!.members).toEqual(new Set(ips(300_000)));
  }, 60_000);

  it('once ready(), applyUpdates() has spawned its restore when it returns', async () => {
    s.replaceMembers(sel('a'), ['10.0.0.1']);
    s.prefetch();
    await s.ready();
    expect(k.calls.map((c) => c.args[0])).toEqual(['save']);
    const written = s.applyUpdates();
    expect(k.calls.map((c) => c.args[0])).toEqual(['save', 'restore']);
    const stats = await written;
    expect(stats.inputBytes).toBe(k.calls[1]!.input!.length);
    expect(stats.read!.end).toBeLessThanOrEqual(stats.build!.start);
    expect(stats.build!.end).toBeLessThanOrEqual(stats.write!.start);
  });

  it('set types per kind', async () => {
    s.replaceMembers(named('http'), ['10.0.0.1,tcp:80']);
    s.replaceMembers(cidrSet('x'), ['10.0.0.0/8', '10.1.0.0/16 nomatch']);
    await s.applyUpdates();
    expect(k.sets.get(ipsetName('n', 'http', 4))!.create).toContain('hash:ip,port family inet ');
    expect(k.sets.get(ipsetName('c', 'x', 4))!.members).toEqual(
      new Set(['10.0.0.0/8', '10.1.0.0/16 nomatch']),
    );
  });

  it('membership churn is add/del only, one call, no save', async () => {
    s.replaceMembers(sel('a'), ['10.0.0.1', '10.0.0.2']);
    await s.applyUpdates();
    k.calls.length = 0;
    s.updateMembers(sel('a'), ['10.0.0.3'], ['10.0.0.1']);
    await s.applyUpdates();
    expect(k.calls).toHaveLength(1);
    expect(restores(k)).toEqual([[`del ${A4} 10.0.0.1`, `add ${A4} 10.0.0.3`]]);
  });

  it('a large rewrite goes through a temporary set and swap', async () => {
    s.replaceMembers(sel('a'), ['10.0.0.1', '10.0.0.2']);
    await s.applyUpdates();
    k.calls.length = 0;
    const next = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'];
    s.replaceMembers(sel('a'), next);
    await s.applyUpdates();
    expect(restores(k)).toEqual([
      [
        'create pal4t-tmp hash:ip family inet hashsize 1024 maxelem 1048576',
        ...next.map((m) => `add pal4t-tmp ${m}`),
        `swap pal4t-tmp ${A4}`,
        'destroy pal4t-tmp',
      ],
    ]);
    expect([...k.sets.get(A4)!.members]).toEqual(next);
    expect(k.sets.has('pal4t-tmp')).toBe(false);
  });

  it('resync repairs drift and does not delete equivalent members', async () => {
    s.replaceMembers(sel('a'), ['fd00:0::1', '10.0.0.1']);
    await s.applyUpdates();
    k.sets.get(A4)!.members.clear();
    k.sets.get(A4)!.members.add('10.9.9.9');
    s.markForResync();
    await s.applyUpdates();
    expect(restores(k).pop()).toEqual([`del ${A4} 10.9.9.9`, `add ${A4} 10.0.0.1`]);
    expect(k.sets.get(A6)!.members).toEqual(new Set(['fd00::1']));
  });

  it('a referenced set exists (empty) even without members from calc', async () => {
    s.reference(sel('b'), 1);
    await s.applyUpdates();
    expect(k.sets.get(ipsetName('s', 'b', 4))!.members.size).toBe(0);
    s.reference(sel('b'), -1);
    await s.applyDeletions();
    expect(k.sets.has(ipsetName('s', 'b', 4))).toBe(false);
  });

  it('removed sets are destroyed; one in use stays and the others still go', async () => {
    s.replaceMembers(sel('a'), ['10.0.0.1']);
    s.replaceMembers(sel('b'), ['10.0.0.2']);
    await s.applyUpdates();
    k.chain(4, 'FORWARD')!.push(`-m set --match-set ${A4} src -j ACCEPT`);
    s.removeSet(sel('a'));
    s.removeSet(sel('b'));
    await s.applyDeletions();
    expect([...k.sets.keys()]).toEqual([A4]);
    k.chain(4, 'FORWARD')!.length = 0;
    await s.applyDeletions();
    expect(k.sets.size).toBe(0);
  });

  it('retries a failed restore with a fresh read, then gives up with EXEC_FAILED', async () => {
    k.failures.set('ipset', 1);
    s.replaceMembers(sel('a'), ['10.0.0.1']);
    await s.applyUpdates(); // save failed once, then save+restore
    expect(k.sets.get(A4)!.members.size).toBe(1);
    k.failures.set('ipset', 10);
    s.replaceMembers(sel('a'), ['10.0.0.2']);
    await expect(s.applyUpdates()).rejects.toMatchObject({ code: 'EXEC_FAILED' });
  });

  it('without ipv6 only inet sets exist and v6 members are dropped', async () => {
    const v4 = new IpSets({ exec: k.exec, logger: silentLogger(), ipv6: false, retry: noSleep });
    v4.replaceMembers(sel('a'), ['fd00::1', '10.0.0.1']);
    await v4.applyUpdates();
    expect([...k.sets.keys()]).toEqual([A4]);
  });

  it('cleanup destroys every Palisade set, including leftovers', async () => {
    k.sets.set('pal4s-leftover', {
      create: 'create pal4s-leftover hash:ip family inet',
      members: new Set(),
    });
    k.sets.set('KUBE-X', { create: 'create KUBE-X hash:ip family inet', members: new Set() });
    s.replaceMembers(sel('a'), ['10.0.0.1']);
    await s.applyUpdates();
    await s.cleanup();
    expect([...k.sets.keys()]).toEqual(['KUBE-X']);
  });
});
