import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isPalisadeError } from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EtcdClient } from './client.js';
import { Syncer } from './syncer.js';
import {
  generateTestCerts,
  recordView,
  startEtcd,
  waitFor,
  type TestCerts,
  type TestEtcd,
} from './testing/index.js';

const run = promisify(execFile);
const ValueSchema = z.object({ n: z.number() });

describe('TLS with client certificate authentication', () => {
  let certs: TestCerts;
  let etcd: TestEtcd;

  beforeAll(async () => {
    certs = await generateTestCerts();
    etcd = await startEtcd({
      tls: {
        caFile: certs.caFile,
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        clientCertAuth: true,
      },
    });
  });
  afterAll(async () => {
    await etcd?.destroy();
    await certs?.remove();
  });

  it('does CRUD and syncs over https with a client certificate', async () => {
    expect(etcd.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = EtcdClient.connect({
      endpoints: etcd.endpoints,
      caFile: certs.caFile,
      certFile: certs.clientCertFile,
      keyFile: certs.clientKeyFile,
    });
    const rec = recordView();
    const syncer = new Syncer({ client, prefix: '/tls/', callbacks: rec });
    try {
      syncer.start();
      await client.put('/tls/a', ValueSchema, { n: 1 });
      expect((await client.get('/tls/a', ValueSchema))?.value).toEqual({ n: 1 });
      expect((await client.list('/tls/', ValueSchema)).items).toHaveLength(1);
      await waitFor(() => rec.view.get('/tls/a') !== undefined, { what: 'syncer over TLS' });
      await client.delete('/tls/a');
      expect(await client.getRaw('/tls/a')).toBeNull();
      await waitFor(() => rec.view.size === 0, { what: 'delete over TLS' });
    } finally {
      await syncer.stop();
      await client.close();
    }
  });

  it('is refused without a client certificate', async () => {
    const client = EtcdClient.connect({
      endpoints: etcd.endpoints,
      caFile: certs.caFile,
      requestTimeoutMs: 2000,
    });
    try {
      const err: unknown = await client.getRaw('/tls/a').catch((e: unknown) => e);
      expect(isPalisadeError(err, 'UNAVAILABLE')).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('username/password authentication', () => {
  let etcd: TestEtcd;
  const ctl = async (...args: string[]): Promise<string> =>
    (
      await run('etcdctl', ['--endpoints', etcd.endpoints[0]!, ...args], {
        env: { ...process.env, ETCDCTL_API: '3' },
      })
    ).stdout;

  beforeAll(async () => {
    etcd = await startEtcd();
    await ctl('user', 'add', 'root', '--new-user-password=rootpw');
    await ctl('user', 'add', 'palisade', '--new-user-password=s3cret');
    await ctl('role', 'add', 'palisade');
    await ctl('role', 'grant-permission', 'palisade', '--prefix=true', 'readwrite', '/auth/');
    await ctl('user', 'grant-role', 'palisade', 'palisade');
    await ctl('auth', 'enable');
  });
  afterAll(async () => {
    await etcd?.destroy();
  });

  it('does CRUD and syncs with a username and password', async () => {
    const client = EtcdClient.connect({
      endpoints: etcd.endpoints,
      username: 'palisade',
      password: 's3cret',
    });
    const rec = recordView();
    const syncer = new Syncer({ client, prefix: '/auth/', callbacks: rec });
    try {
      syncer.start();
      await client.put('/auth/a', ValueSchema, { n: 2 });
      expect((await client.get('/auth/a', ValueSchema))?.value).toEqual({ n: 2 });
      await waitFor(() => rec.view.has('/auth/a'), { what: 'syncer with auth' });
      const denied: unknown = await client.getRaw('/elsewhere').catch((e: unknown) => e);
      expect(isPalisadeError(denied, 'PERMISSION_DENIED')).toBe(true);
      expect((denied as Error).message).toMatch(/^etcd denied get \/elsewhere to user "palisade": /);
    } finally {
      await syncer.stop();
      await client.close();
    }
  });

  it('reports a wrong password', async () => {
    const client = EtcdClient.connect({
      endpoints: etcd.endpoints,
      username: 'palisade',
      password: 'wrong',
    });
    try {
      const err: unknown = await client.getRaw('/auth/a').catch((e: unknown) => e);
      expect(isPalisadeError(err, 'PERMISSION_DENIED')).toBe(true);
      expect((err as Error).message).toMatch(/^etcd rejected the password of user "palisade": /);
    } finally {
      await client.close();
    }
  });
});
