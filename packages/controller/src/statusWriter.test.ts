import { afterEach, describe, expect, it } from 'vitest';
import { ClusterPolicyStatusWriter } from './statusWriter.js';
import type { ClusterPolicyStatusClient, StatusUpdateResult } from './statusClient.js';
import { cnpSet, makeClusterNetworkPolicy } from './testing/builders.js';
import { translateClusterNetworkPolicy, type KClusterNetworkPolicy } from './translate/index.js';

/** A fake API server: one object per name, resourceVersion checked on every status write. */
class FakeApi implements ClusterPolicyStatusClient {
  readonly objects = new Map<string, KClusterNetworkPolicy>();
  readonly puts: string[] = [];
  failNext = 0;
  private rv = 1;

  create(cnp: KClusterNetworkPolicy): KClusterNetworkPolicy {
    const stored = structuredClone(cnp);
    stored.metadata = { ...stored.metadata, generation: 1, resourceVersion: String(this.rv++) };
    this.objects.set(stored.metadata.name!, stored);
    return structuredClone(stored);
  }
  /** Someone else changes the object (a spec change bumps the generation). */
  touch(name: string, fn: (o: KClusterNetworkPolicy) => void, specChange = false): KClusterNetworkPolicy {
    const o = this.objects.get(name)!;
    fn(o);
    o.metadata!.resourceVersion = String(this.rv++);
    if (specChange) o.metadata!.generation = (o.metadata!.generation ?? 0) + 1;
    return structuredClone(o);
  }
  get(name: string): Promise<KClusterNetworkPolicy | null> {
    const o = this.objects.get(name);
    return Promise.resolve(o ? structuredClone(o) : null);
  }
  updateStatus(cnp: KClusterNetworkPolicy): Promise<StatusUpdateResult> {
    const name = cnp.metadata!.name!;
    this.puts.push(name);
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('HTTP 500'));
    }
    const o = this.objects.get(name);
    if (!o) return Promise.resolve('notFound');
    if (o.metadata!.resourceVersion !== cnp.metadata!.resourceVersion) return Promise.resolve('conflict');
    o.status = structuredClone(cnp.status);
    o.metadata!.resourceVersion = String(this.rv++);
    return Promise.resolve('updated');
  }
  condition(name: string) {
    return this.objects.get(name)?.status?.conditions?.find((c) => c.type === 'Accepted');
  }
}

const writers: ClusterPolicyStatusWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.stop()));
});

function setup(leader = true) {
  const api = new FakeApi();
  const w = new ClusterPolicyStatusWriter({ client: api, backoff: { initialMs: 1, maxMs: 2 }, now: () => new Date('2026-12-02T19:00:00Z') });
  writers.push(w);
  w.setLeader(leader);
  const observe = (cnp: KClusterNetworkPolicy) => w.observe(cnp, translateClusterNetworkPolicy(cnp));
  return { api, w, observe };
}

describe('ClusterPolicyStatusWriter', () => {
  it('writes Accepted once; the echo of its own write changes nothing', async () => {
    const { api, w, observe } = setup();
    observe(api.create(makeClusterNetworkPolicy('a')));
    await w.idle();
    expect(api.condition('a')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 1, lastTransitionTime: '2026-12-02T19:00:00Z' });
    observe((await api.get('a'))!);
    await w.idle();
    expect(api.puts).toEqual(['a']);
  });

  it('a spec change with a new verdict is written with the new generation', async () => {
    const { api, w, observe } = setup();
    observe(api.create(makeClusterNetworkPolicy('a')));
    await w.idle();
    observe(api.touch('a', (o) => (o.spec!.priority = 2000), true));
    await w.idle();
    expect(api.condition('a')).toMatchObject({ status: 'False', reason: 'Invalid', observedGeneration: 2 });
    expect(api.condition('a')?.message).toContain('spec.priority');
  });

  it('only the leader writes; an elected standby catches up', async () => {
    const { api, w, observe } = setup(false);
    observe(api.create(makeClusterNetworkPolicy('a')));
    observe(api.create(makeClusterNetworkPolicy('b', cnpSet('tier', 'Nope'))));
    await w.idle();
    await new Promise((r) => setTimeout(r, 20));
    expect(api.puts).toEqual([]);
    w.setLeader(true);
    await w.idle();
    expect(api.condition('a')?.status).toBe('True');
    expect(api.condition('b')?.reason).toBe('Invalid');
  });

  it('keeps other conditions and survives a conflict by reading again', async () => {
    const { api, w, observe } = setup(false);
    const seen = api.create(makeClusterNetworkPolicy('a'));
    api.touch('a', (o) => (o.status = { conditions: [{ type: 'Other', status: 'True', reason: 'X', message: 'y', lastTransitionTime: 't' }] }));
    observe(seen); // stale: its resourceVersion is gone
    w.setLeader(true);
    await w.idle();
    expect(api.puts).toEqual(['a', 'a']);
    expect(api.objects.get('a')?.status?.conditions?.map((c) => c.type)).toEqual(['Other', 'Accepted']);
  });

  it('does not fight: a condition someone else rewrote is not written again for the same verdict', async () => {
    const { api, w, observe } = setup();
    observe(api.create(makeClusterNetworkPolicy('a')));
    await w.idle();
    const edited = api.touch('a', (o) => (o.status!.conditions![0]!.message = 'mine now'));
    observe(edited);
    await w.idle();
    expect(api.puts).toEqual(['a']);
    expect(api.condition('a')?.message).toBe('mine now');
  });

  it('a conflict that reveals a newer spec leaves it to the next informer event', async () => {
    const { api, w, observe } = setup(false);
    const seen = api.create(makeClusterNetworkPolicy('a'));
    api.touch('a', (o) => (o.spec!.priority = 3), true);
    observe(seen);
    w.setLeader(true);
    await w.idle();
    expect(api.puts).toEqual(['a']);
    expect(api.condition('a')).toBeUndefined();
  });

  it('retries after an API error; a deleted object is forgotten', async () => {
    const { api, w, observe } = setup();
    api.failNext = 2;
    observe(api.create(makeClusterNetworkPolicy('a')));
    await w.idle();
    expect(api.puts).toEqual(['a', 'a', 'a']);
    expect(api.condition('a')?.status).toBe('True');
    observe(api.create(makeClusterNetworkPolicy('gone')));
    w.forget('gone');
    api.objects.delete('gone');
    await w.idle();
    expect(api.puts.filter((n) => n === 'gone').length).toBeLessThanOrEqual(1);
  });
});
