/* eslint-disable @typescript-eslint/no-explicit-any -- assertions on arbitrary JSON answers */
/**
 * The fieldValidation query parameter on create, update and patch, against a running
 * test API server: Strict is 400 naming each unknown or duplicate field, Warn (and no
 * parameter: the server default) stores the pruned object with Warning headers, Ignore
 * stores it silently; and `kubectl apply`, which sends Strict, prints the error.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startKubeApi, type KubeApi } from './index.js';
import {
  call,
  cnpPath,
  makeClusterNetworkPolicy,
  makeNamespace,
  makeNetworkPolicy,
  netpolPath,
} from './testing/client.js';
import { hasKubectl, runKubectl, warnIfNoKubectl, type KubectlResult } from './testing/kubectl.js';

warnIfNoKubectl('kubectl tests');

let api: KubeApi;
let dir: string;

beforeAll(async () => {
  api = await startKubeApi();
  dir = await mkdtemp(path.join(tmpdir(), 'palisade-field-validation-'));
  expect((await call(api.url, 'POST', '/api/v1/namespaces', makeNamespace('fv'))).status).toBe(201);
});

afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: any;
  warnings: string[];
}

async function send(
  method: string,
  url: string,
  body: unknown,
  type = 'application/json',
): Promise<Answer> {
  const res = await fetch(`${api.url}${url}`, {
    method,
    headers: { 'Content-Type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const warning = res.headers.get('warning');
  const warnings = warning ? warning.split(/, (?=299 )/) : [];
  return { status: res.status, body: await res.json(), warnings };
}

const q = (mode: string | undefined): string => (mode ? `?fieldValidation=${mode}` : '');

/** A valid policy once pruned: the ingress peer keeps `namespaces`. */
const withUnknown = (name: string): any =>
  makeClusterNetworkPolicy(name, (c) => {
    c.metadata.bogus = 'x';
    c.spec.foo = 1;
    c.spec.ingress[0].from[0].networks = ['10.0.0.0/8'];
  });

const CNP_UNKNOWN = [
  'unknown field "spec.foo"',
  'unknown field "spec.ingress[0].from[0].networks"',
  'unknown field "metadata.bogus"',
];
const cnpStrict = (texts: string[]): string =>
  `ClusterNetworkPolicy in version "v1alpha2" cannot be handled as a ClusterNetworkPolicy: strict decoding error: ${texts.join(', ')}`;

describe('fieldValidation on create (POST) of a ClusterNetworkPolicy', () => {
  it('Strict: 400 BadRequest naming every unknown field, nothing stored', async () => {
    const r = await send('POST', `${cnpPath}${q('Strict')}`, withUnknown('strict'));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(r.body.message).toBe(cnpStrict(CNP_UNKNOWN));
    expect((await call(api.url, 'GET', `${cnpPath}/strict`)).status).toBe(404);
  });

  it.each([
    ['Warn', CNP_UNKNOWN.map((t) => `299 - ${JSON.stringify(t)}`)],
    ['absent (the server default, Warn)', CNP_UNKNOWN.map((t) => `299 - ${JSON.stringify(t)}`)],
    ['Ignore', []],
  ])('%s: 201 with the pruned object', async (mode, warnings) => {
    const name = `m-${mode.split(' ')[0]!.toLowerCase()}`;
    const r = await send('POST', `${cnpPath}${q(mode.includes(' ') ? undefined : mode)}`, {
      ...withUnknown(name),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.warnings).toEqual(warnings);
    expect(r.body.spec.foo).toBeUndefined();
    expect(r.body.metadata.bogus).toBeUndefined();
    expect(r.body.spec.ingress[0].from[0]).toEqual({ namespaces: {} });
  });

  it('Strict: duplicate JSON keys are named too; Warn keeps the last', async () => {
    const text = JSON.stringify(makeClusterNetworkPolicy('dup')).replace(
      '"priority":10',
      '"priority":7,"priority":10',
    );
    const strict = await send('POST', `${cnpPath}${q('Strict')}`, text);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(cnpStrict(['duplicate field "spec.priority"']));
    const warn = await send('POST', `${cnpPath}${q('Warn')}`, text);
    expect(warn.status).toBe(201);
    expect(warn.warnings).toEqual(['299 - "duplicate field \\"spec.priority\\""']);
    expect(warn.body.spec.priority).toBe(10);
  });

  it('an unsupported value is 422 on CreateOptions', async () => {
    const r = await send('POST', `${cnpPath}${q('strict')}`, makeClusterNetworkPolicy('bad-fv'));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });
});

describe('fieldValidation on update (PUT) and patch', () => {
  let stored: any;

  beforeAll(async () => {
    stored = (await send('POST', cnpPath, makeClusterNetworkPolicy('upd'))).body;
  });

  it('PUT Strict: 400, the stored object unchanged', async () => {
    const next = structuredClone(stored);
    next.spec.egress = [{ action: 'Deny', to: [{ namespaces: {} }], bogus: true }];
    const r = await send('PUT', `${cnpPath}/upd${q('Strict')}`, next);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(cnpStrict(['unknown field "spec.egress[0].bogus"']));
    const now = (await call(api.url, 'GET', `${cnpPath}/upd`)).body;
    expect(now.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it('merge patch: Strict is 400, Warn applies the pruned result', async () => {
    const patch = { spec: { priority: 11, extra: 'x' } };
    const type = 'application/merge-patch+json';
    const strict = await send('PATCH', `${cnpPath}/upd${q('Strict')}`, patch, type);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(cnpStrict(['unknown field "spec.extra"']));
    const warn = await send('PATCH', `${cnpPath}/upd${q('Warn')}`, patch, type);
    expect(warn.status).toBe(200);
    expect(warn.warnings).toEqual(['299 - "unknown field \\"spec.extra\\""']);
    expect(warn.body.spec).toMatchObject({ priority: 11 });
    expect(warn.body.spec.extra).toBeUndefined();
  });
});

describe('fieldValidation on a built-in kind (NetworkPolicy)', () => {
  it('Strict names the unknown fields in the Go decoder order', async () => {
    const np = makeNetworkPolicy('np-strict', 'fv', (n) => {
      n.spec.ingress = [{ from: [{ podSelector: {}, networks: ['10.0.0.0/8'] }] }];
      n.spec.tier = 'Admin';
    });
    const r = await send('POST', `${netpolPath('fv')}${q('Strict')}`, np);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      'NetworkPolicy in version "v1" cannot be handled as a NetworkPolicy: strict decoding error: ' +
        'unknown field "spec.ingress[0].from[0].networks", unknown field "spec.tier"',
    );
  });

  it('absent: stored pruned, with warnings', async () => {
    const np = makeNetworkPolicy('np-warn', 'fv', (n) => (n.spec.tier = 'Admin'));
    const r = await send('POST', netpolPath('fv'), np);
    expect(r.status).toBe(201);
    expect(r.warnings).toEqual(['299 - "unknown field \\"spec.tier\\""']);
    expect(r.body.spec.tier).toBeUndefined();
  });
});

function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl(api.kubeconfigPath, path.join(dir, 'cache'), args);
}

describe.skipIf(!hasKubectl)('kubectl apply (fieldValidation=Strict by default)', () => {
  const cnp = (name: string): any =>
    makeClusterNetworkPolicy(name, (c) => (c.spec.ingress[0].from[0].networks = ['10.0.0.0/8']));

  it('rejects an ingress peer with networks, naming the field', async () => {
    const file = path.join(dir, 'networks.yaml');
    await writeFile(file, stringify(cnp('kubectl-networks')));
    const r = await kubectl('apply', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error from server (BadRequest): error when creating "${file}": ${cnpStrict(['unknown field "spec.ingress[0].from[0].networks"'])}`,
    );
    expect((await kubectl('get', 'cnp', 'kubectl-networks')).stderr).toContain('NotFound');
  });

  it('--validate=warn creates the pruned policy and prints the warning', async () => {
    const file = path.join(dir, 'networks-warn.yaml');
    await writeFile(file, stringify(cnp('kubectl-networks-warn')));
    const r = await kubectl('apply', '--validate=warn', '-f', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: unknown field "spec.ingress[0].from[0].networks"');
    const got = await kubectl('get', 'cnp', 'kubectl-networks-warn', '-o', 'json');
    expect(JSON.parse(got.stdout).spec.ingress[0].from[0]).toEqual({ namespaces: {} });
  });
});
