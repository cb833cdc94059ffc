/**
 * Makes sure the cluster serves ClusterNetworkPolicy before anything runs. A cluster
 * that serves it already (the test API server, the upstream CRD, an earlier install)
 * is used as it is. On a real cluster that does not, the chart's CRD
 * (charts/palisade/crds/) is installed and awaited until discovery lists it. The
 * harness never changes or deletes a CRD: like Helm with a chart's crds/, it leaves
 * an installed CRD in place (other runs may be using it), and it never touches one
 * it did not install.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { CNP_CRD_NAME, CNP_GROUP, CNP_PLURAL, CNP_VERSION } from './clusterPolicies.js';
import { REPO_ROOT } from './components.js';

export const CRD_FILE = path.join(REPO_ROOT, 'charts/palisade/crds/clusternetworkpolicies.yaml');
export const INSTALLED_BY_ANNOTATION = 'e2e.palisade.io/installed-by';

/** The API calls this needs (ClusterPolicyClient; a fake in unit tests). */
export interface CrdOps {
  served(): Promise<boolean>;
  readCrd(): Promise<k8s.V1CustomResourceDefinition | null>;
  createCrd(body: k8s.V1CustomResourceDefinition): Promise<void>;
}

export interface EnsureOptions {
  /** False on the test API server, which serves the resource itself or not at all. */
  canInstall: boolean;
  /** The run's owner, recorded in an annotation on a CRD it installs. */
  owner: string;
  crdFile?: string;
  timeoutMs?: number;
  pollMs?: number;
}

const WHAT = `${CNP_PLURAL}.${CNP_GROUP}/${CNP_VERSION}`;

/** The CRD document of the chart's file (plain YAML, as Helm's crds/ requires). */
export async function readChartCrd(file: string): Promise<k8s.V1CustomResourceDefinition> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new Error(`cannot read the chart's CRD ${file}: ${err instanceof Error ? err.message : String(err)}`);
  });
  if (text.includes('{{')) throw new Error(`${file} contains template directives; Helm's crds/ files are plain YAML`);
  const docs = parseAllDocuments(text).map((d) => d.toJS() as k8s.V1CustomResourceDefinition | null);
  const crd = docs.find((d) => d?.kind === 'CustomResourceDefinition' && d.metadata?.name === CNP_CRD_NAME);
  if (!crd) throw new Error(`${file} holds no CustomResourceDefinition named ${CNP_CRD_NAME}`);
  return crd;
}

async function waitServed(ops: CrdOps, timeoutMs: number, pollMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await ops.served()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** 'served' when the cluster served it already, 'installed' when this call installed the CRD. */
export async function ensureClusterPolicyResource(ops: CrdOps, o: EnsureOptions): Promise<'served' | 'installed'> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const pollMs = o.pollMs ?? 250;
  if (await ops.served()) return 'served';
  if (!o.canInstall) throw new Error(`the API server does not serve ${WHAT}`);
  const existing = await ops.readCrd();
  if (existing) {
    // Someone's CRD of that name: maybe still being established; never changed here.
    if (await waitServed(ops, timeoutMs, pollMs)) return 'served';
    throw new Error(`the CustomResourceDefinition ${CNP_CRD_NAME} exists but ${WHAT} is not served; the harness does not change a CRD it did not install`);
  }
  const crd = await readChartCrd(o.crdFile ?? CRD_FILE);
  crd.metadata = { ...crd.metadata, annotations: { ...crd.metadata?.annotations, [INSTALLED_BY_ANNOTATION]: o.owner } };
  try {
    await ops.createCrd(crd);
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err; // 409: another run installed it just now
  }
  if (!(await waitServed(ops, timeoutMs, pollMs))) throw new Error(`installed the CustomResourceDefinition ${CNP_CRD_NAME}, but ${WHAT} was not served within ${timeoutMs} ms`);
  return 'installed';
}
