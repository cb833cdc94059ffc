/* eslint-disable @typescript-eslint/no-explicit-any -- assertions on arbitrary JSON answers */
/**
 * ClusterNetworkPolicy validation over HTTP against a running test API server, which
 * validates with the chart's CRD (charts/palisade/crds/clusternetworkpolicies.yaml):
 * 422 Invalid with causes that name the field, on create (POST) and on update (PUT),
 * the valid policies stored as sent, and kubectl showing the same error text.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startKubeApi, type KubeApi } from './index.js';
import { invalidCases, validCases, type InvalidCase } from './testing/cnpCases.js';
import { call, cnpPath, makeClusterNetworkPolicy } from './testing/client.js';
import { hasKubectl, runKubectl, warnIfNoKubectl, type KubectlResult } from './testing/kubectl.js';

warnIfNoKubectl('kubectl tests');

let api: KubeApi;
let dir: string;

beforeAll(async () => {
  api = await startKubeApi();
  dir = await mkdtemp(path.join(tmpdir(), 'palisade-cnp-validation-'));
});

afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
    .replace(/-$/, '');

/** The value with null object fields removed (list items kept), as the server stores it. */
function withoutNullFields(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNullFields);
  if (typeof v !== 'object' || v === null) return v;
  const entries = Object.entries(v).filter(([, x]) => x !== null);
  return Object.fromEntries(entries.map(([k, x]) => [k, withoutNullFields(x)]));
}

function expectInvalid(r: { status: number; body: any }, name: string, want: InvalidCase[2]): void {
  expect(r.status, JSON.stringify(r.body)).toBe(422);
  expect(r.body).toMatchObject({
    kind: 'Status',
    status: 'Failure',
    reason: 'Invalid',
    code: 422,
    details: { name, group: 'policy.networking.k8s.io', kind: 'ClusterNetworkPolicy' },
  });
  const causes = r.body.details.causes as { field: string; reason: string; message: string }[];
  expect(causes.map((c) => [c.field, c.reason])).toEqual(want.map(([f, reason]) => [f, reason]));
  want.forEach(([, , fragment], i) => expect(causes[i]!.message).toContain(fragment));
  const prefix = `ClusterNetworkPolicy.policy.networking.k8s.io "${name}" is invalid: `;
  expect(r.body.message).toMatch(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}`));
  for (const [field] of want) expect(r.body.message).toContain(`${field}: `);
}

describe('ClusterNetworkPolicy validation on create (POST)', () => {
  it.each(invalidCases)('rejects %s', async (caseName, tweak, want) => {
    const name = `c-${slug(caseName)}`;
    const r = await call(api.url, 'POST', cnpPath, makeClusterNetworkPolicy(name, tweak));
    expectInvalid(r, name, want);
    expect((await call(api.url, 'GET', `${cnpPath}/${name}`)).status).toBe(404);
  });

  it.each(validCases)('accepts %s, stored as sent', async (caseName, tweak) => {
    const name = `v-${slug(caseName)}`;
    const body = JSON.parse(JSON.stringify(makeClusterNetworkPolicy(name, tweak)));
    const r = await call(api.url, 'POST', cnpPath, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.spec).toEqual(withoutNullFields(body.spec));
    expect(r.body.metadata.generation).toBe(1);
  });

  it('gives all the causes in one message when several fields are wrong', async () => {
    const cnp = makeClusterNetworkPolicy('several', (c) => {
      c.spec.priority = 1001;
      c.spec.subject = {};
    });
    const r = await call(api.url, 'POST', cnpPath, cnp);
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'ClusterNetworkPolicy.policy.networking.k8s.io "several" is invalid: [' +
        'spec.priority: Invalid value: 1001: spec.priority in body should be less than or equal to 1000, ' +
        'spec.subject: Invalid value: 0: spec.subject in body should have at least 1 properties]',
    );
  });
});

describe('ClusterNetworkPolicy validation on update (PUT)', () => {
  let stored: any;

  beforeAll(async () => {
    const r = await call(api.url, 'POST', cnpPath, makeClusterNetworkPolicy('upd'));
    expect(r.status).toBe(201);
    stored = r.body;
  });

  it.each(invalidCases)('rejects %s', async (_caseName, tweak, want) => {
    const next = structuredClone(stored);
    tweak(next);
    const r = await call(api.url, 'PUT', `${cnpPath}/upd`, next);
    expectInvalid(r, 'upd', want);
    const now = (await call(api.url, 'GET', `${cnpPath}/upd`)).body;
    expect(now.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
    expect(now.spec).toEqual(stored.spec);
  });

  it('accepts a valid change and bumps the generation', async () => {
    const next = structuredClone(stored);
    next.spec.priority = 1000;
    next.spec.ingress[0].action = 'Pass';
    const r = await call(api.url, 'PUT', `${cnpPath}/upd`, next);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.metadata.generation).toBe(2);
    expect(r.body.spec).toEqual(next.spec);
  });

  it('rejects a merge patch that makes the policy invalid', async () => {
    const r = await call(
      api.url,
      'PATCH',
      `${cnpPath}/upd`,
      { spec: { subject: { pods: { podSelector: {} } } } },
      'application/merge-patch+json',
    );
    expectInvalid(r, 'upd', [['spec.subject', 'FieldValueTooMany', 'must have at most 1 items']]);
  });
});

function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl(api.kubeconfigPath, path.join(dir, 'cache'), args);
}

describe.skipIf(!hasKubectl)('ClusterNetworkPolicy validation through kubectl apply', () => {
  it('prints the error naming each field', async () => {
    const file = path.join(dir, 'bad.yaml');
    const cnp = makeClusterNetworkPolicy('kubectl-bad', (c) => {
      c.spec.tier = 'Baseline';
      c.spec.priority = 1001;
      c.spec.ingress[0].protocols = [
        { tcp: { destinationPort: { range: { start: 80, end: 80 } } } },
      ];
    });
    await writeFile(file, stringify(cnp));
    const r = await kubectl('apply', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The ClusterNetworkPolicy "kubectl-bad" is invalid');
    expect(r.stderr).toContain(
      'spec.priority: Invalid value: 1001: spec.priority in body should be less than or equal to 1000',
    );
    expect(r.stderr).toContain(
      'spec.ingress[0].protocols[0].tcp.destinationPort.range: Invalid value: "object": Start port must be less than End port',
    );
    expect((await kubectl('get', 'cnp', 'kubectl-bad')).stderr).toContain('NotFound');
  });
});
