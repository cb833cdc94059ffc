/**
 * ClusterNetworkPolicies (policy.networking.k8s.io/v1alpha2, cluster-scoped) on the
 * API server, through standard calls only. Like every object of the harness they carry
 * the run's owner label, and only labelled ones are replaced or deleted. A cluster
 * that does not serve the resource has none of them: listing and deleting are no-ops
 * there, so cleanup works on any cluster.
 */
import * as k8s from '@kubernetes/client-node';
import { OWNER_LABEL } from './owner.js';

export const CNP_GROUP = 'policy.networking.k8s.io';
export const CNP_VERSION = 'v1alpha2';
export const CNP_PLURAL = 'clusternetworkpolicies';
export const CNP_CRD_NAME = `${CNP_PLURAL}.${CNP_GROUP}`;

const resource = { group: CNP_GROUP, version: CNP_VERSION, plural: CNP_PLURAL };

type Obj = { metadata?: { name?: string; labels?: Record<string, string>; resourceVersion?: string } } & Record<string, unknown>;

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

export class ClusterPolicyClient {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly ext: k8s.ApiextensionsV1Api;

  constructor(
    kc: k8s.KubeConfig,
    private readonly owner: string,
    private readonly selector: string,
  ) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  }

  private isOwned(o: Obj | undefined): boolean {
    return o?.metadata?.labels?.[OWNER_LABEL] === this.owner;
  }

  /** Whether discovery lists the resource in policy.networking.k8s.io/v1alpha2. */
  async served(): Promise<boolean> {
    try {
      const list = await this.custom.getAPIResources({ group: CNP_GROUP, version: CNP_VERSION });
      return list.resources.some((r) => r.name === CNP_PLURAL);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Names of this owner's ClusterNetworkPolicies (none where the resource is not served). */
  async owned(): Promise<string[]> {
    try {
      const list = (await this.custom.listClusterCustomObject({ ...resource, labelSelector: this.selector })) as { items?: Obj[] };
      return (list.items ?? []).map((o) => o.metadata?.name ?? '').filter(Boolean);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /** Creates the policy, or replaces one of ours of that name. */
  async apply(manifest: Record<string, unknown>): Promise<void> {
    const body = structuredClone(manifest) as Obj;
    body.metadata = { ...body.metadata, labels: { ...body.metadata?.labels, [OWNER_LABEL]: this.owner } };
    const name = body.metadata.name ?? '';
    let cur: Obj | null;
    try {
      cur = (await this.custom.getClusterCustomObject({ ...resource, name })) as Obj;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      cur = null;
    }
    if (!cur) {
      await this.custom.createClusterCustomObject({ ...resource, body });
      return;
    }
    if (!this.isOwned(cur)) throw new Error(`refusing to replace ClusterNetworkPolicy ${name}: it lacks the label ${this.selector}`);
    body.metadata.resourceVersion = cur.metadata?.resourceVersion;
    await this.custom.replaceClusterCustomObject({ ...resource, name, body });
  }

  /** Deletes one of ours (a missing one is fine). */
  async delete(name: string): Promise<void> {
    try {
      const cur = (await this.custom.getClusterCustomObject({ ...resource, name })) as Obj;
      if (!this.isOwned(cur)) throw new Error(`refusing to delete ClusterNetworkPolicy ${name}: it lacks the label ${this.selector}`);
      await this.custom.deleteClusterCustomObject({ ...resource, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async deleteOwned(): Promise<void> {
    for (const name of await this.owned()) await this.delete(name);
  }

  /** The CustomResourceDefinition of that name, or null. */
  async readCrd(): Promise<k8s.V1CustomResourceDefinition | null> {
    try {
      return await this.ext.readCustomResourceDefinition({ name: CNP_CRD_NAME });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async createCrd(body: k8s.V1CustomResourceDefinition): Promise<void> {
    await this.ext.createCustomResourceDefinition({ body });
  }
}
