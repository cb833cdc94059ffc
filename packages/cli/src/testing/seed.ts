/**
 * Seeds a real etcd with the shop fixture, written the way the controller and agents
 * write it (through EtcdClient.put). Used by the integration tests and by
 * captureDocs.ts, which records the real output shown in docs/cli.md.
 */
import type { EtcdClient } from '@palisade/datastore';
import {
  AgentStatusSchema,
  ClusterPolicySchema,
  clusterPolicyKey,
  EndpointSchema,
  LEADER_KEY,
  LeaderSchema,
  NamespaceSchema,
  PolicySchema,
  agentKey,
  endpointKey,
  namespaceKey,
  policyKey,
} from '@palisade/model';
import type { AgentStatus } from '@palisade/model';
import { makeAgent } from './builders.js';
import { clusterShopData, shopData } from './fixture.js';

export interface Seeded {
  /** The newest policy/endpoint/namespace write. */
  modelRevision: string;
}

/** `cluster`: the shop plus its cluster policies (clusterShopData). */
export async function seedShop(
  client: EtcdClient,
  opts: { cluster?: boolean } = {},
): Promise<Seeded> {
  const data = opts.cluster ? clusterShopData() : shopData();
  let rev = '0';
  for (const n of data.namespaces)
    rev = (await client.put(namespaceKey(n.value.metadata.name), NamespaceSchema, n.value))
      .revision;
  for (const { value: e } of data.endpoints)
    rev = (
      await client.put(
        endpointKey(e.spec.node, e.metadata.namespace, e.metadata.name),
        EndpointSchema,
        e,
      )
    ).revision;
  for (const { value: p } of data.policies)
    rev = (await client.put(policyKey(p.metadata.namespace, p.metadata.name), PolicySchema, p))
      .revision;
  for (const { value: c } of data.clusterPolicies)
    rev = (await client.put(clusterPolicyKey(c.metadata.name), ClusterPolicySchema, c)).revision;
  await client.put(LEADER_KEY, LeaderSchema, {
    apiVersion: 'palisade.io/v1',
    kind: 'Leader',
    holder: 'palisade-controller-7d9f8-x2x4q',
    since: new Date(Date.now() - 300_000).toISOString(),
  });
  for (const node of ['node-a', 'node-b']) await putAgent(client, node, rev);
  return { modelRevision: rev };
}

export async function putAgent(
  client: EtcdClient,
  node: string,
  programmedRevision: string,
  tweak: (a: AgentStatus) => void = () => undefined,
): Promise<void> {
  const now = Date.now();
  const agent = makeAgent(
    node,
    programmedRevision,
    (a) => {
      a.status.startedAt = new Date(now - 600_000).toISOString();
      a.status.lastApply = { time: new Date(now - 4000).toISOString(), durationMs: 38 };
      a.status.counts = { endpoints: 4, localEndpoints: 2, policies: 4, chains: 9, ipsets: 3 };
    },
    tweak,
  );
  await client.put(agentKey(node), AgentStatusSchema, agent);
}
