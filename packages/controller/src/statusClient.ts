/**
 * ClusterNetworkPolicy status through the API server's status subresource: a GET of
 * one object, and a PUT of /status that carries the object's resourceVersion, so the
 * server refuses it (409) if anything changed since it was read; no lost updates.
 */
import { httpError, kubeRequest, type KubeConnection } from './kubeHttp.js';
import type { KClusterNetworkPolicy } from './translate/index.js';

export type StatusUpdateResult = 'updated' | 'conflict' | 'notFound';

export interface ClusterPolicyStatusClient {
  get(name: string): Promise<KClusterNetworkPolicy | null>;
  updateStatus(cnp: KClusterNetworkPolicy): Promise<StatusUpdateResult>;
}

export function kubeStatusClient(conn: KubeConnection, collectionPath: string): ClusterPolicyStatusClient {
  const pathOf = (name: string): string => `${collectionPath}/${encodeURIComponent(name)}`;
  return {
    async get(name) {
      const res = await kubeRequest(conn, { method: 'GET', path: pathOf(name), timeoutMs: 15_000 });
      if (res.statusCode === 404) return null;
      if (res.statusCode !== 200) throw httpError(`get ${pathOf(name)}`, res);
      return JSON.parse(res.text) as KClusterNetworkPolicy;
    },
    async updateStatus(cnp) {
      const path = `${pathOf(cnp.metadata?.name ?? '')}/status`;
      const res = await kubeRequest(conn, { method: 'PUT', path, body: cnp, timeoutMs: 15_000 });
      if (res.statusCode === 200 || res.statusCode === 201) return 'updated';
      if (res.statusCode === 409) return 'conflict';
      if (res.statusCode === 404) return 'notFound';
      throw httpError(`update ${path}`, res);
    },
  };
}
