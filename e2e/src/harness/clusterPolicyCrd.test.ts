import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureClusterPolicyResource, INSTALLED_BY_ANNOTATION, type CrdOps } from './clusterPolicyCrd.js';

const CRD = `# a comment
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusternetworkpolicies.policy.networking.k8s.io
spec:
  group: policy.networking.k8s.io
`;

/** A fake API: `servedAfter` polls after a CRD is created the resource shows up in discovery. */
function fakeApi(o: { served?: boolean; existing?: boolean; servedAfter?: number; createCode?: number } = {}) {
  const created: k8s.V1CustomResourceDefinition[] = [];
  let polls = 0;
  let crd = (o.existing ? { metadata: { name: 'clusternetworkpolicies.policy.networking.k8s.io' } } : null) as k8s.V1CustomResourceDefinition | null;
  const ops: CrdOps = {
    served: () => {
      if (o.served) return Promise.resolve(true);
      if (crd && o.servedAfter !== undefined) return Promise.resolve(++polls > o.servedAfter);
      return Promise.resolve(false);
    },
    readCrd: () => Promise.resolve(crd),
    createCrd: (body) => {
      if (o.createCode) return Promise.reject(Object.assign(new Error('conflict'), { code: o.createCode }));
      created.push(body);
      crd = body;
      return Promise.resolve();
    },
  };
  return { ops, created };
}

describe('ensureClusterPolicyResource', () => {
  let file: string;
  let templated: string;
  const base = { owner: 'me-harness', timeoutMs: 200, pollMs: 1 };

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'crd-test-'));
    file = path.join(dir, 'crd.yaml');
    templated = path.join(dir, 'templated.yaml');
    await writeFile(file, CRD);
    await writeFile(templated, `${CRD}  {{- if .Values.x }}\n`);
  });

  it('uses a resource that is served already, on any cluster, and installs nothing', async () => {
    for (const canInstall of [true, false]) {
      const api = fakeApi({ served: true });
      expect(await ensureClusterPolicyResource(api.ops, { ...base, canInstall, crdFile: file })).toBe('served');
      expect(api.created).toEqual([]);
    }
  });

  it('installs the chart CRD on a real cluster that does not serve it, marked with the owner, and waits until served', async () => {
    const api = fakeApi({ servedAfter: 3 });
    expect(await ensureClusterPolicyResource(api.ops, { ...base, canInstall: true, crdFile: file })).toBe('installed');
    expect(api.created).toHaveLength(1);
    expect(api.created[0]!.metadata).toEqual({ name: 'clusternetworkpolicies.policy.networking.k8s.io', annotations: { [INSTALLED_BY_ANNOTATION]: 'me-harness' } });
    expect(api.created[0]!.spec).toEqual({ group: 'policy.networking.k8s.io' });
  });

  it('fails on the test API server when it does not serve the resource', async () => {
    const api = fakeApi();
    await expect(ensureClusterPolicyResource(api.ops, { ...base, canInstall: false, crdFile: file })).rejects.toThrow(/does not serve clusternetworkpolicies\.policy\.networking\.k8s\.io\/v1alpha2/);
    expect(api.created).toEqual([]);
  });

  it('never touches a CRD of that name it did not install: waits for it, else fails', async () => {
    const soon = fakeApi({ existing: true, servedAfter: 2 });
    expect(await ensureClusterPolicyResource(soon.ops, { ...base, canInstall: true, crdFile: file })).toBe('served');
    const never = fakeApi({ existing: true });
    await expect(ensureClusterPolicyResource(never.ops, { ...base, canInstall: true, crdFile: file })).rejects.toThrow(/exists but .* is not served; the harness does not change a CRD it did not install/);
    expect([...soon.created, ...never.created]).toEqual([]);
  });

  it('reports a CRD that never becomes served, and files that are not plain CRDs', async () => {
    await expect(ensureClusterPolicyResource(fakeApi().ops, { ...base, canInstall: true, crdFile: file })).rejects.toThrow(/was not served within 200 ms/);
    await expect(ensureClusterPolicyResource(fakeApi().ops, { ...base, canInstall: true, crdFile: templated })).rejects.toThrow(/template directives/);
    await expect(ensureClusterPolicyResource(fakeApi().ops, { ...base, canInstall: true, crdFile: `${file}.missing` })).rejects.toThrow(/cannot read the chart's CRD/);
  });
});
