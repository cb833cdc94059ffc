import { describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import type { LeaseHandle } from '@palisade/datastore';
import { AgentStatusSchema, type AgentStatus } from '@palisade/model';
import { StatusReporter } from './statusReporter.js';

class FakeLease implements LeaseHandle {
  revoked = false;
  private cbs: ((r: string) => void)[] = [];
  constructor(readonly id: string) {}
  onLost(cb: (r: string) => void): void {
    this.cbs.push(cb);
  }
  lose(): void {
    this.cbs.forEach((cb) => cb('test'));
  }
  revoke(): Promise<void> {
    this.revoked = true;
    return Promise.resolve();
  }
}

function fakeClient() {
  const puts: { key: string; value: AgentStatus; leaseId?: string }[] = [];
  const leases: FakeLease[] = [];
  let failures = 0;
  return {
    puts,
    leases,
    failNext: (n: number) => (failures = n),
    client: {
      put: (key: string, _s: unknown, value: unknown, opts?: { leaseId?: string }) => {
        if (failures > 0) {
          failures--;
          return Promise.reject(new Error('etcd down'));
        }
        puts.push({ key, value: AgentStatusSchema.parse(value), leaseId: opts?.leaseId });
        return Promise.resolve({ succeeded: true, revision: String(puts.length) });
      },
      grantLease: () => {
        const l = new FakeLease(String(leases.length + 1));
        leases.push(l);
        return Promise.resolve(l);
      },
    },
  };
}

const make = (c: ReturnType<typeof fakeClient>) =>
  new StatusReporter({
    client: c.client as never,
    nodeName: 'node-a',
    ttlSeconds: 5,
    version: '0.1.0',
    logger: silentLogger(),
    backoff: { initialMs: 1, maxMs: 2 },
  });

describe('StatusReporter', () => {
  it('writes a valid lease-bound status and coalesces bursts', async () => {
    const c = fakeClient();
    const r = make(c);
    r.schedule();
    for (let i = 1; i <= 5; i++) r.update({ programmedRevision: String(i) });
    await r.flush();
    expect(c.puts.length).toBeLessThanOrEqual(2);
    expect(c.puts.at(-1)).toMatchObject({
      key: '/palisade/v1/agent/node-a',
      leaseId: '1',
      value: { status: { programmedRevision: '5' } },
    });
  });

  it('does not write when nothing changed', async () => {
    const c = fakeClient();
    const r = make(c);
    r.update({ inSync: true });
    await r.flush();
    r.update({ inSync: true });
    await r.flush();
    expect(c.puts).toHaveLength(1);
  });

  it('retries failed writes and re-grants a lost lease', async () => {
    const c = fakeClient();
    const r = make(c);
    c.failNext(2);
    r.update({ inSync: true });
    await expect.poll(() => c.puts.length).toBe(1);
    c.leases[0]!.lose();
    await expect.poll(() => c.puts.length).toBe(2);
    expect(c.puts[1]!.leaseId).toBe('2');
  });

  it('revokes the lease on stop and writes nothing after', async () => {
    const c = fakeClient();
    const r = make(c);
    r.update({ inSync: true });
    await r.flush();
    await r.stop();
    r.update({ inSync: false });
    await r.flush();
    expect(c.leases[0]!.revoked).toBe(true);
    expect(c.puts).toHaveLength(1);
  });
});
