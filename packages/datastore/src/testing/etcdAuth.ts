/**
 * Turns on etcd authentication in a test etcd with Palisade's roles and users (the same
 * code path as `palisadectl etcd-setup --enable-auth`), and hands out the connection
 * options of each identity.
 */
import { accessPlan, nodeAgentName, USERS } from '../access.js';
import { openAdminClient, setupAccess } from '../accessSetup.js';
import type { EtcdConnectionOptions } from '../types.js';

export interface TestIdentities {
  root: EtcdConnectionOptions;
  controller: EtcdConnectionOptions;
  agent: EtcdConnectionOptions;
  cli: EtcdConnectionOptions;
  /** The per-node agent identity of each node passed to enableTestAuth. */
  node(name: string): EtcdConnectionOptions;
}

/** Test passwords are the user name with a suffix; they only guard throwaway etcds. */
export const testPassword = (user: string): string => `${user}-test-pw`;

export async function enableTestAuth(
  base: EtcdConnectionOptions,
  nodes: readonly string[] = [],
): Promise<TestIdentities> {
  const users = accessPlan(nodes).users.map((u) => u.name);
  const { client, authEnabled } = await openAdminClient(base);
  try {
    await setupAccess(client, authEnabled, {
      nodes,
      passwords: new Map(users.map((u) => [u, testPassword(u)])),
      enableAuth: { rootPassword: testPassword('root') },
    });
  } finally {
    await client.close();
  }
  const as = (user: string): EtcdConnectionOptions => ({
    ...base,
    username: user,
    password: testPassword(user),
  });
  return {
    root: as('root'),
    controller: as(USERS.controller),
    agent: as(USERS.agent),
    cli: as(USERS.cli),
    node: (name) => as(nodeAgentName(name)),
  };
}
