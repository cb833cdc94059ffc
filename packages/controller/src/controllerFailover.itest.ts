/**
 * Two controller processes: exactly one (the holder of the leader key) writes; when
 * it is SIGKILLed the standby takes over within the lease TTL and carries on.
 */
import { LeaderElection } from '@palisade/datastore';
import { PolicySchema, endpointKey, policyKey } from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNamespace, makeNetworkPolicy, makePod, podIPs } from './testing/builders.js';
import { startItestEnv, type ItestEnv } from './testing/itestEnv.js';
import { waitFor } from './testing/waitFor.js';

const TTL_SECONDS = 4;
let env: ItestEnv;

beforeAll(async () => {
  env = await startItestEnv();
  await env.rest.createNamespace(makeNamespace('apps'));
});

afterAll(async () => {
  await env?.teardown();
});

describe('leader election between two controllers', () => {
  it('one writes, the standby does not; after SIGKILL the standby takes over within the TTL', async () => {
    const a = env.startController('ctl-a', { leaseTtl: `${TTL_SECONDS}s` });
    await a.waitForLog((l) => l.message === 'full reconcile done');
    const b = env.startController('ctl-b', { leaseTtl: `${TTL_SECONDS}s` });
    await b.waitForLog((l) => l.message === 'all informers synced');
    await waitFor('b ready', async () => (await b.get('/readyz')).status === 200);

    expect(await LeaderElection.currentLeader(env.client)).toMatchObject({ id: 'ctl-a' });
    for (let i = 0; i < 3; i++) await env.rest.createPod(makePod(`web-${i}`, 'apps', podIPs(`10.1.0.${i + 1}`)));
    await env.rest.createPolicy(makeNetworkPolicy('p1', 'apps'));
    await waitFor('writes by the leader', () => env.client.get(policyKey('apps', 'p1'), PolicySchema));
    await waitFor('endpoints', async () => Object.keys(await env.revisions('/palisade/v1/endpoint/')).length === 3);
    expect(await a.metric('palisade_controller_is_leader')).toBe(1);
    expect(await b.metric('palisade_controller_is_leader')).toBe(0);
    expect(await a.metric('palisade_controller_etcd_writes_total')).toBeGreaterThanOrEqual(5);
    expect(await b.metric('palisade_controller_etcd_writes_total')).toBe(0);
    expect(b.logs.some((l) => l.message === 'reconciler started')).toBe(false);

    a.signal('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    await env.rest.createPolicy(makeNetworkPolicy('p2', 'apps'));
    await env.rest.deletePod('apps', 'web-0');
    await b.waitForLog((l) => l.message === 'elected leader', 30_000);
    const takeoverMs = Date.now() - killedAt;
    // The lease expires at most TTL after A's last keepalive; B polls twice a second.
    expect(takeoverMs).toBeLessThan(TTL_SECONDS * 1000 + 1500);
    await waitFor('b catches up', async () => {
      const keys = Object.keys(await env.revisions());
      return keys.includes(policyKey('apps', 'p2')) && !keys.includes(endpointKey('node-1', 'apps', 'web-0'));
    });
    expect(await LeaderElection.currentLeader(env.client)).toMatchObject({ id: 'ctl-b' });
    expect(await b.metric('palisade_controller_is_leader')).toBe(1);
    // B wrote only what changed while it took over: the unchanged objects kept their revisions.
    expect(await b.metric('palisade_controller_etcd_writes_total')).toBe(2);

    await env.rest.createPolicy(makeNetworkPolicy('p3', 'apps'));
    await waitFor('b continues', () => env.client.get(policyKey('apps', 'p3'), PolicySchema));
    expect(await b.stop()).toBe(0);
    expect(await LeaderElection.currentLeader(env.client)).toBeNull();
  });
});
