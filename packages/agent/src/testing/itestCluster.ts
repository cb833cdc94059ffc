/**
 * The model side of the agent integration tests: a real etcd, a client to write model
 * objects directly, and a small fixed cluster (three pods on one node).
 */
import { EtcdClient } from '@palisade/datastore';
import {
  enableTestAuth,
  startEtcd,
  type TestEtcd,
  type TestIdentities,
} from '@palisade/datastore/testing';
import {
  AgentStatusSchema,
  EndpointSchema,
  NamespaceSchema,
  PolicySchema,
  agentKey,
  endpointKey,
  namespaceKey,
  policyKey,
  type AgentStatus,
  type Policy,
} from '@palisade/model';
import { makeEndpoint, makeNamespace, makePolicy } from '@palisade/model/testing';
import type { PodSpec } from './agentHarness.js';

export const NODE = 'node-a';

export const PODS: (PodSpec & { namespace: string; labels: Record<string, string> })[] = [
  { name: 'client', namespace: 'a', ip: '10.65.0.2', ports: [80], labels: { app: 'client' } },
  { name: 'web', namespace: 'b', ip: '10.65.0.3', ports: [80, 8080], labels: { app: 'web' } },
  { name: 'db', namespace: 'b', ip: '10.65.0.4', ports: [80], labels: { app: 'db' } },
];

/** web accepts TCP and UDP port 80 from a/client only. */
export const webAllowsClient: Policy = makePolicy('b', 'web-allow', {
  selector: "app == 'web' && pal:namespace == 'b'",
  types: ['Ingress'],
  ingress: [
    {
      action: 'Allow',
      ports: [
        { protocol: 'TCP', port: 80 },
        { protocol: 'UDP', port: 80 },
      ],
      peers: [{ selector: "app == 'client' && pal:namespace == 'a'" }],
    },
  ],
});

/** db accepts nothing. */
export const dbDenyAll: Policy = makePolicy('b', 'deny-all', {
  selector: "app == 'db' && pal:namespace == 'b'",
  types: ['Ingress'],
});

export class ModelStore {
  private constructor(
    readonly etcd: TestEtcd,
    readonly client: EtcdClient,
    /** Set when started with auth: each identity's connection options. */
    readonly ids: TestIdentities | null = null,
  ) {}

  /**
   * With `auth`, etcd runs with authentication on and Palisade's roles (per-node
   * identities for `nodes`), and the store writes as the controller, as in a cluster.
   */
  static async start(opts: { auth?: boolean; nodes?: string[] } = {}): Promise<ModelStore> {
    const etcd = await startEtcd();
    if (!opts.auth) return new ModelStore(etcd, EtcdClient.connect({ endpoints: etcd.endpoints }));
    const ids = await enableTestAuth({ endpoints: etcd.endpoints }, opts.nodes ?? []);
    return new ModelStore(etcd, EtcdClient.connect(ids.controller), ids);
  }

  /** Writes namespaces and endpoints of PODS; returns the last revision. */
  async writePods(): Promise<string> {
    let rev = '0';
    for (const ns of ['a', 'b'])
      rev = (
        await this.client.put(namespaceKey(ns), NamespaceSchema, makeNamespace(ns, { team: ns }))
      ).revision;
    for (const p of PODS) {
      const ep = makeEndpoint(p.namespace, p.name, { node: NODE, ips: [p.ip], labels: p.labels });
      rev = (await this.client.put(endpointKey(NODE, p.namespace, p.name), EndpointSchema, ep))
        .revision;
    }
    return rev;
  }

  async putPolicy(p: Policy): Promise<string> {
    return (
      await this.client.put(policyKey(p.metadata.namespace, p.metadata.name), PolicySchema, p)
    ).revision;
  }

  async status(): Promise<AgentStatus | null> {
    return (await this.client.get(agentKey(NODE), AgentStatusSchema))?.value ?? null;
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.etcd.destroy();
  }
}

/** Polls `fn` until it returns true. */
export async function eventually(
  fn: () => Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
