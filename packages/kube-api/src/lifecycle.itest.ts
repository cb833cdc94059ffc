import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';
import { hasKubectl, runKubectl, warnIfNoKubectl, type KubectlResult } from './testing/kubectl.js';

warnIfNoKubectl('kubectl lifecycle tests');

let api: KubeApi;
let dir: string;
beforeAll(async () => {
  api = await startKubeApi();
  dir = await mkdtemp(path.join(tmpdir(), 'palisade-kubectl-lc-'));
});
afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl(api.kubeconfigPath, path.join(dir, 'cache'), args);
}

async function call(
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${p}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(!hasKubectl)('plain kubectl 1.32 (protobuf bodies, OpenAPI v2)', () => {
  it('creates a namespace (kubectl sends protobuf), also with --dry-run=server', async () => {
    const dry = await kubectl('create', 'ns', 'dry', '--dry-run=server');
    expect(dry.stdout.trim()).toBe('namespace/dry created (server dry run)');
    expect((await kubectl('get', 'ns', 'dry')).code).toBe(1);
    const r = await kubectl('create', 'ns', 'proto');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('namespace/proto created');
    const again = await kubectl('create', 'ns', 'proto');
    expect(again.stderr.trim()).toBe(
      'Error from server (AlreadyExists): namespaces "proto" already exists',
    );
  });

  it('creates a List from a file with the default validation', async () => {
    const file = path.join(dir, 'list.json');
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'listed' } }],
    };
    await writeFile(file, JSON.stringify(list));
    const r = await kubectl('create', '-f', file);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('namespace/listed created');
  });
});

describe('deletion as on a real API server', () => {
  const pod = (name: string, nodeName?: string) => ({
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'pause' }] },
  });

  it('marks a bound pod (deletionTimestamp) and removes it on a delete with grace period 0', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'graceful' } });
    expect(
      (await call('POST', '/api/v1/namespaces/graceful/pods', pod('bound', 'node-0'))).status,
    ).toBe(201);
    const first = await call('DELETE', '/api/v1/namespaces/graceful/pods/bound');
    expect(first.status).toBe(200);
    const meta = first.json.metadata as Record<string, unknown>;
    expect(meta.deletionGracePeriodSeconds).toBe(30);
    expect(typeof meta.deletionTimestamp).toBe('string');
    expect((await call('GET', '/api/v1/namespaces/graceful/pods/bound')).status).toBe(200);
    const dup = await call('POST', '/api/v1/namespaces/graceful/pods', pod('bound', 'node-0'));
    expect(dup.status).toBe(409);
    expect(dup.json.message).toBe('pods "bound" already exists');
    await call('DELETE', '/api/v1/namespaces/graceful/pods/bound?gracePeriodSeconds=0');
    expect((await call('GET', '/api/v1/namespaces/graceful/pods/bound')).status).toBe(404);
  });

  it('deletes an unbound pod at once', async () => {
    await call('POST', '/api/v1/namespaces/graceful/pods', pod('unbound'));
    await call('DELETE', '/api/v1/namespaces/graceful/pods/unbound');
    expect((await call('GET', '/api/v1/namespaces/graceful/pods/unbound')).status).toBe(404);
  });

  it('keeps a namespace Terminating while a bound pod remains, then finalizes it', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'term' } });
    await call('POST', '/api/v1/namespaces/term/pods', pod('bound', 'node-0'));
    const del = await call('DELETE', '/api/v1/namespaces/term');
    expect((del.json.status as Record<string, unknown>).phase).toBe('Terminating');
    await new Promise((r) => setTimeout(r, 300));
    const ns = await call('GET', '/api/v1/namespaces/term');
    expect(ns.status).toBe(200);
    expect((ns.json.status as Record<string, unknown>).phase).toBe('Terminating');
    const denied = await call('POST', '/api/v1/namespaces/term/pods', pod('late'));
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe(
      'pods "late" is forbidden: unable to create new content in namespace term because it is being terminated',
    );
    const p = await call('GET', '/api/v1/namespaces/term/pods/bound');
    expect(typeof (p.json.metadata as Record<string, unknown>).deletionTimestamp).toBe('string');
    await call('DELETE', '/api/v1/namespaces/term/pods/bound?gracePeriodSeconds=0');
    const until = Date.now() + 5000;
    while ((await call('GET', '/api/v1/namespaces/term')).status !== 404) {
      if (Date.now() > until) throw new Error('namespace term never went away');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
