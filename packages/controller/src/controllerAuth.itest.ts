/**
 * The controller with its own etcd identity against an etcd with auth on: it leads and
 * writes the model; run with the agent's identity instead it is refused, says so at
 * error level (key, user, fix) and keeps retrying rather than exiting.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startKubeApi, type KubeApi } from '@palisade/kube-api';
import { EtcdClient, USERS, type EtcdConnectionOptions } from '@palisade/datastore';
import {
  enableTestAuth,
  startEtcd,
  type TestEtcd,
  type TestIdentities,
} from '@palisade/datastore/testing';
import { EndpointSchema, LEADER_KEY, PolicySchema, endpointKey, policyKey } from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNamespace, makeNetworkPolicy, makePod, podIPs } from './testing/builders.js';
import { ControllerProcess } from './testing/controllerProcess.js';
import { KubeRest } from './testing/kubeRest.js';
import { waitFor } from './testing/waitFor.js';

let etcd: TestEtcd;
let kube: KubeApi;
let ids: TestIdentities;
let reader: EtcdClient;
let rest: KubeRest;
let dir: string;
const procs: ControllerProcess[] = [];

/** Credentials as the chart passes them: the user in a flag, the password in a file. */
async function credentialArgs(id: EtcdConnectionOptions): Promise<string[]> {
  const file = path.join(dir, `${id.username}.pw`);
  await writeFile(file, `${id.password}\n`, { mode: 0o600 });
  return ['--etcd-username', id.username ?? '', '--etcd-password-file', file];
}

async function start(name: string, id: EtcdConnectionOptions): Promise<ControllerProcess> {
  const p = ControllerProcess.start({
    kubeconfig: kube.kubeconfigPath,
    etcdEndpoints: etcd.endpoints,
    id: name,
    extraArgs: await credentialArgs(id),
  });
  procs.push(p);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pal-ctl-auth-'));
  [etcd, kube] = await Promise.all([startEtcd(), startKubeApi()]);
  ids = await enableTestAuth({ endpoints: etcd.endpoints });
  reader = EtcdClient.connect(ids.cli);
  rest = new KubeRest(kube.url);
}, 60_000);

afterAll(async () => {
  for (const p of procs) p.signal('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await reader?.close();
  await kube?.stop();
  await etcd?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('controller with etcd auth on', () => {
  it('leads and writes the model as palisade-controller', async () => {
    const ctl = await start('ctl-auth', ids.controller);
    await ctl.waitForLog((l) => l.message === 'full reconcile done');
    expect(ctl.logs.find((l) => l.message === 'starting')?.etcdUser).toBe(USERS.controller);
    await rest.createNamespace(makeNamespace('shop'));
    await rest.createPod(makePod('web-1', 'shop', podIPs('10.1.0.5')));
    await rest.createPolicy(makeNetworkPolicy('deny-all', 'shop'));
    await waitFor('endpoint', () =>
      reader.get(endpointKey('node-1', 'shop', 'web-1'), EndpointSchema),
    );
    await waitFor('policy', () => reader.get(policyKey('shop', 'deny-all'), PolicySchema));
    await rest.deletePolicy('shop', 'deny-all');
    await waitFor(
      'policy deleted',
      async () => (await reader.getRaw(policyKey('shop', 'deny-all'))) === null,
    );
    expect(JSON.parse((await reader.getRaw(LEADER_KEY))?.value ?? '{}')).toMatchObject({
      holder: 'ctl-auth',
    });
    expect(ctl.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('with the agent identity: refused at error level naming key, user and fix, and keeps retrying', async () => {
    const wrong = await start('ctl-wrong', ids.agent);
    const line = await wrong.waitForLog(
      (l) => l.level === 'error' && l.message === 'leader election attempt failed; will retry',
    );
    expect(line).toMatchObject({ key: LEADER_KEY, user: USERS.agent });
    expect(String(line.fix)).toMatch(/palisadectl etcd-setup/);
    expect(String(line.err)).toMatch(`etcd denied put ${LEADER_KEY} to user "palisade-agent"`);
    // It keeps trying (a second refusal) and has not exited.
    await wrong.waitForLog(
      (l) =>
        l.level === 'error' &&
        l !== line &&
        l.message === 'leader election attempt failed; will retry',
    );
    expect(
      await Promise.race([wrong.exited, new Promise((r) => setTimeout(() => r('running'), 500))]),
    ).toBe('running');
  });

  it('with a wrong password: refused with what to fix', async () => {
    const wrong = await start('ctl-badpw', {
      ...ids.controller,
      username: USERS.controller,
      password: 'nope',
    });
    const line = await wrong.waitForLog((l) => l.level === 'error');
    expect(String(line.err)).toMatch(/etcd rejected the password of user "palisade-controller"/);
  });
});
