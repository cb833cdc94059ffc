/**
 * etcd role-based access against a real etcd with auth on: what each Palisade identity
 * can and cannot do, the permission-denied error, and that setup is idempotent.
 */
import {
  LAST_DELETE_KEY,
  LEADER_KEY,
  agentKey,
  clusterPolicyKey,
  endpointKey,
  isPalisadeError,
  namespaceKey,
  policyKey,
} from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessPlan, USERS } from './access.js';
import { openAdminClient, setupAccess } from './accessSetup.js';
import { EtcdClient } from './client.js';
import {
  enableTestAuth,
  startEtcd,
  testPassword,
  type TestEtcd,
  type TestIdentities,
} from './testing/index.js';
import type { EtcdConnectionOptions } from './types.js';

const MODEL_KEYS = [
  ['policy', policyKey('shop', 'allow-web')],
  ['cluster policy', clusterPolicyKey('baseline')],
  ['namespace', namespaceKey('shop')],
  ['endpoint', endpointKey('node-a', 'shop', 'web-1')],
] as const;

let etcd: TestEtcd;
let ids: TestIdentities;
const clients: EtcdClient[] = [];
let root: EtcdClient;

function as(opts: EtcdConnectionOptions): EtcdClient {
  const c = EtcdClient.connect({ ...opts, requestTimeoutMs: 3000 });
  clients.push(c);
  return c;
}

async function refusal(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected etcd to refuse, but the call succeeded');
  return err;
}

beforeAll(async () => {
  etcd = await startEtcd();
  const base = { endpoints: etcd.endpoints };
  // Data written before auth is on, as in a cluster that adopts RBAC later.
  const seed = EtcdClient.connect(base);
  for (const [, key] of MODEL_KEYS) await seed.putRaw(key, '{"seed":true}');
  await seed.putRaw(agentKey('node-b'), '{"seed":true}');
  await seed.close();
  ids = await enableTestAuth(base, ['node-a', 'node-b']);
  root = as(ids.root);
  await root.putRaw(LEADER_KEY, '{"holder":"controller-1"}');
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await etcd?.destroy();
});

describe('the agent identity', () => {
  it.each(MODEL_KEYS)(
    'cannot put or delete a %s key, and the error names key, user and fix',
    async (_kind, key) => {
      const agent = as(ids.agent);
      const put = await refusal(agent.putRaw(key, '{"evil":true}'));
      expect(isPalisadeError(put, 'PERMISSION_DENIED')).toBe(true);
      expect(put.message).toBe(
        `etcd denied put ${key} to user "palisade-agent": grant the permission to a role of "palisade-agent" (palisadectl etcd-setup creates the Palisade roles), or run this component with its own credentials`,
      );
      const del = await refusal(agent.delete(key));
      expect(isPalisadeError(del, 'PERMISSION_DENIED')).toBe(true);
      expect(del.message).toMatch(`etcd denied delete ${key} to user "palisade-agent"`);
      expect((await root.getRaw(key))?.value).toBe('{"seed":true}');
    },
  );

  it('cannot delete or overwrite the leader key, nor revoke its lease', async () => {
    const leaderClient = as(ids.controller);
    const lease = await leaderClient.grantLease(30);
    await leaderClient.putRaw(LEADER_KEY, '{"holder":"controller-1"}', { leaseId: lease.id });
    const agent = as(ids.agent);
    expect((await refusal(agent.delete(LEADER_KEY))).code).toBe('PERMISSION_DENIED');
    expect((await refusal(agent.putRaw(LEADER_KEY, '{"holder":"evil"}'))).code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await refusal(agent.putRaw(LAST_DELETE_KEY, '{}'))).code).toBe('PERMISSION_DENIED');
    // etcd allows revoking a lease only to a user that may write every key attached to it.
    expect((await refusal(agent.raw.leaseClient.leaseRevoke({ ID: lease.id }))).message).toMatch(
      /permission denied/,
    );
    expect((await root.getRaw(LEADER_KEY))?.value).toBe('{"holder":"controller-1"}');
    await lease.revoke();
    await root.putRaw(LEADER_KEY, '{"holder":"controller-1"}');
  });

  it('reads the model and writes its status with a lease', async () => {
    const agent = as(ids.agent);
    const { items } = await agent.listRaw('/palisade/v1/');
    expect(items.map((i) => i.key)).toEqual(expect.arrayContaining(MODEL_KEYS.map(([, k]) => k)));
    const lease = await agent.grantLease(10);
    await agent.putRaw(agentKey('node-a'), '{"ok":true}', { leaseId: lease.id });
    await lease.revoke();
    expect(await root.getRaw(agentKey('node-a'))).toBeNull();
  });

  it("may keep another identity's lease alive: etcd checks no permission on keep-alives (documented exposure)", async () => {
    const ctl = as(ids.controller);
    const lease = await ctl.grantLease(30);
    const stream = await as(ids.agent).raw.leaseClient.leaseKeepAlive();
    const answer = new Promise<{ TTL: string }>((resolve, reject) => {
      stream.on('data', resolve);
      stream.on('error', reject);
    });
    stream.write({ ID: lease.id });
    expect((await answer).TTL).toBe('30');
    stream.end();
    await lease.revoke();
  });

  it("shared: may write another node's status (the documented exposure)", async () => {
    await as(ids.agent).putRaw(agentKey('node-b'), '{"spoofed":true}');
    await root.putRaw(agentKey('node-b'), '{"seed":true}');
  });
});

describe('per-node agent identities', () => {
  it('node-a may write its own status key only', async () => {
    const nodeA = as(ids.node('node-a'));
    const lease = await nodeA.grantLease(10);
    await nodeA.putRaw(agentKey('node-a'), '{"ok":true}', { leaseId: lease.id });
    for (const key of [agentKey('node-b'), agentKey('node-ab'), policyKey('shop', 'x')]) {
      const err = await refusal(nodeA.putRaw(key, '{"spoofed":true}'));
      expect(err.message).toMatch(`etcd denied put ${key} to user "palisade-agent-node-a"`);
    }
    expect((await refusal(nodeA.delete(agentKey('node-b')))).code).toBe('PERMISSION_DENIED');
    expect((await root.getRaw(agentKey('node-b')))?.value).toBe('{"seed":true}');
    await lease.revoke();
  });
});

describe('the palisadectl identity', () => {
  it('reads everything under /palisade/', async () => {
    const cli = as(ids.cli);
    const { items } = await cli.listRaw('/palisade/');
    expect(items.map((i) => i.key)).toEqual(
      expect.arrayContaining([LEADER_KEY, agentKey('node-b')]),
    );
    expect(BigInt(await cli.revision())).toBeGreaterThan(0n);
  });

  it.each([
    ...MODEL_KEYS,
    ['agent status', agentKey('node-b')],
    ['leader', LEADER_KEY],
    ['last delete', LAST_DELETE_KEY],
  ] as [string, string][])('cannot write or delete a %s key', async (_kind, key) => {
    const cli = as(ids.cli);
    expect((await refusal(cli.putRaw(key, '{}'))).code).toBe('PERMISSION_DENIED');
    expect((await refusal(cli.delete(key))).code).toBe('PERMISSION_DENIED');
  });
});

describe('the controller identity', () => {
  it('writes the model, the leader and last-delete keys, but not agent statuses', async () => {
    const ctl = as(ids.controller);
    for (const [, key] of MODEL_KEYS) {
      await ctl.putRaw(key, '{"v":2}');
      await ctl.putRaw(key, '{"seed":true}');
    }
    await ctl.putRaw(LAST_DELETE_KEY, '{}');
    expect((await refusal(ctl.putRaw(agentKey('node-b'), '{}'))).code).toBe('PERMISSION_DENIED');
  });
});

describe('credentials', () => {
  it('a wrong password, and no credentials at all, are refused with what to fix', async () => {
    const wrong = await refusal(
      as({ ...ids.agent, password: 'nope' }).getRaw(policyKey('shop', 'allow-web')),
    );
    expect(wrong.message).toMatch(
      /^etcd rejected the password of user "palisade-agent": check --etcd-username/,
    );
    const none = await refusal(
      as({ endpoints: etcd.endpoints }).getRaw(policyKey('shop', 'allow-web')),
    );
    expect(none.message).toMatch(
      /^etcd has authentication enabled and get \S+ was sent without credentials/,
    );
  });
});

describe('setupAccess', () => {
  it('a second run changes nothing', async () => {
    const { client, authEnabled } = await openAdminClient(ids.root);
    try {
      expect(authEnabled).toBe(true);
      const users = accessPlan(['node-a', 'node-b']).users.map((u) => u.name);
      const report = await setupAccess(client, authEnabled, {
        nodes: ['node-a', 'node-b'],
        passwords: new Map(users.map((u) => [u, testPassword(u)])),
        enableAuth: {},
      });
      expect(report).toEqual({ authWasEnabled: true, authEnabled: true, changes: [], notes: [] });
    } finally {
      await client.close();
    }
  });

  it('repairs a drifted role and a changed password, reporting each', async () => {
    await root.raw.auth.roleGrantPermission({
      name: USERS.agent,
      perm: {
        permType: 'Write',
        key: Buffer.from('/palisade/v1/policy/'),
        range_end: Buffer.from('/palisade/v1/policy0'),
      },
    });
    const { client, authEnabled } = await openAdminClient(ids.root);
    try {
      const report = await setupAccess(client, authEnabled, {
        passwords: new Map([[USERS.cli, 'rotated-pw']]),
      });
      expect(report.changes).toEqual([
        'revoked palisade-agent: write /palisade/v1/policy/ .. /palisade/v1/policy0',
        'set the password of user palisade-cli',
      ]);
    } finally {
      await client.close();
    }
    expect((await refusal(as(ids.agent).putRaw(policyKey('shop', 'x'), '{}'))).code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await refusal(as(ids.cli).getRaw(LEADER_KEY))).message).toMatch(
      /rejected the password/,
    );
    expect(await as({ ...ids.cli, password: 'rotated-pw' }).getRaw(LEADER_KEY)).not.toBeNull();
  });

  it('an identity other than root cannot run it', async () => {
    const err = await refusal(openAdminClient(ids.controller));
    expect(err.message).toMatch(/setting up access needs its root user/);
  });
});
