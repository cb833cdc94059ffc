import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { silentLogger } from '@palisade/common';
import type { SyncUpdate } from '@palisade/datastore';
import { policyKey, type PolicyInput } from '@palisade/model';
import { Agent, type AgentDataplane, type ApplyResult } from './agent.js';
import type { CalcInput } from './calc/index.js';
import type { CalcMessage } from './messages.js';
import { AgentMetrics } from './metrics.js';
import type { StatusFields } from './statusReporter.js';
import { ValidationFilter } from './validationFilter.js';

const OK: ApplyResult = {
  iptablesRestoreCalls: 1,
  ipsetCalls: 0,
  rulesWritten: 1,
  chainsWritten: 1,
  durationMs: 1,
};

function makePolicy(name: string): PolicyInput {
  return {
    apiVersion: 'palisade.io/v1',
    kind: 'Policy',
    metadata: { namespace: 'ns', name },
    spec: { selector: 'all()', types: ['Ingress'] },
  };
}
const put = (name: string, rev: number): SyncUpdate => ({
  key: policyKey('ns', name),
  value: JSON.stringify(makePolicy(name)),
  modRevision: String(rev),
});

class FakeDataplane implements AgentDataplane {
  batches: CalcMessage[][] = [];
  applies = 0;
  resyncs = 0;
  constructor(private readonly shouldFail: () => boolean) {}
  onMessages(m: CalcMessage[]): void {
    this.batches.push(m);
  }
  apply(): Promise<ApplyResult> {
    this.applies++;
    return this.shouldFail()
      ? Promise.reject(new Error('iptables-restore: exit 1'))
      : Promise.resolve(OK);
  }
  markForResync(): void {
    this.resyncs++;
  }
  counts() {
    return { chains: 3, ipsets: 2 };
  }
}

function setup(opts: { failures?: number } = {}) {
  const fed: CalcInput[] = [];
  const calc = {
    onUpdate: (i: CalcInput) => void fed.push(i),
    flush: (): CalcMessage[] =>
      fed.splice(0).map((i) => ({
        type: 'PolicyRemove',
        policy: (i as { ref: { namespace: string; name: string } }).ref,
      })),
    stats: () => ({ endpoints: 0, localEndpoints: 0, policies: 0, activePolicies: 0, ipsets: 0 }),
    ipConflicts: () => [],
  };
  let failuresLeft = opts.failures ?? 0;
  const dp = new FakeDataplane(() => failuresLeft-- > 0);
  const statuses: Partial<StatusFields>[] = [];
  const fatal: unknown[] = [];
  const agent = new Agent({
    calc,
    dataplane: dp,
    filter: new ValidationFilter({ nodeName: 'node-a', logger: silentLogger() }),
    metrics: new AgentMetrics(new Registry()),
    status: { update: (f) => void statuses.push(f) },
    logger: silentLogger(),
    applyDebounceMs: 20,
    resyncIntervalMs: 60_000,
    maxApplyFailures: 3,
    onFatal: (e) => void fatal.push(e),
    retryBackoff: { initialMs: 100, maxMs: 100 },
  });
  const lastStatus = () => Object.assign({}, ...statuses) as Partial<StatusFields>;
  return { agent, dp, statuses, lastStatus, fatal };
}

describe('Agent', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes nothing before the syncer is in sync, then applies the whole first list once', async () => {
    const { agent, dp, lastStatus } = setup();
    agent.start();
    agent.onStatus('wait-for-ready');
    agent.onUpdates([put('a', 2), put('b', 3)], '3');
    await vi.advanceTimersByTimeAsync(1000);
    expect(dp.applies).toBe(0);
    expect(agent.isReady()).toBe(false);
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1);
    expect(dp.applies).toBe(1);
    expect(dp.batches[0]).toHaveLength(2);
    expect(agent.isReady()).toBe(true);
    expect(lastStatus()).toMatchObject({
      inSync: true,
      programmedRevision: '3',
      counts: { chains: 3, ipsets: 2 },
    });
    await agent.stop();
  });

  it('coalesces a burst of updates into one apply', async () => {
    const { agent, dp, lastStatus } = setup();
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1);
    for (let i = 0; i < 10; i++) {
      agent.onUpdates([put(`p${i}`, 10 + i)], String(10 + i));
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(50);
    expect(dp.applies).toBe(2);
    expect(dp.batches[1]).toHaveLength(10);
    expect(lastStatus().programmedRevision).toBe('19');
  });

  it('advances the programmed revision for batches the dataplane does not consume', async () => {
    const { agent, dp } = setup();
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1);
    agent.onUpdates([{ key: '/palisade/v1/agent/other', value: '{}', modRevision: '7' }], '7');
    expect(agent.revision.programmed).toBe('7');
    expect(dp.applies).toBe(1);
  });

  it('retries a failed apply with a full resync, then recovers', async () => {
    const { agent, dp, lastStatus, fatal } = setup({ failures: 2 });
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1);
    expect(lastStatus()).toMatchObject({
      inSync: false,
      lastError: { message: 'iptables-restore: exit 1' },
    });
    await vi.advanceTimersByTimeAsync(250);
    expect(dp.applies).toBe(3);
    expect(dp.resyncs).toBe(2);
    expect(lastStatus()).toMatchObject({ inSync: true, lastError: null });
    expect(fatal).toEqual([]);
  });

  it('gives up after maxApplyFailures consecutive failures', async () => {
    const { agent, dp, fatal } = setup({ failures: 100 });
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1000);
    expect(dp.applies).toBe(3);
    expect(fatal).toHaveLength(1);
  });

  it('resyncs periodically and keeps state through an etcd outage', async () => {
    const { agent, dp } = setup();
    agent.start();
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1);
    agent.onStatus('resync');
    expect(agent.isReady()).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(dp.resyncs).toBe(1);
    expect(dp.applies).toBe(2);
    agent.onStatus('in-sync');
    expect(agent.isReady()).toBe(true);
    await agent.stop();
  });

  it('applies a model change before a due resync, never inside it', async () => {
    const { agent, dp } = setup();
    agent.start();
    agent.onStatus('in-sync');
    await vi.advanceTimersByTimeAsync(1);
    const resyncsAtApply: number[] = [];
    const apply = dp.apply.bind(dp);
    dp.apply = () => {
      resyncsAtApply.push(dp.resyncs);
      return apply();
    };
    // The resync timer fires, and a change arrives before its apply starts.
    await vi.advanceTimersByTimeAsync(59_999);
    agent.onUpdates([put('urgent', 50)], '50');
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(100);
    // First apply: the change alone (no resync requested yet); second: the resync.
    expect(dp.batches.slice(-2).map((b) => b.length)).toEqual([1, 0]);
    expect(resyncsAtApply).toEqual([0, 1]);
    await agent.stop();
  });
});

