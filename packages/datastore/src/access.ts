/**
 * Who may do what in etcd: the roles and users of Palisade's components, built from the
 * key layout in @palisade/model so that a new key kind cannot be forgotten here.
 *
 * | identity    | reads                 | writes                                          |
 * |-------------|-----------------------|-------------------------------------------------|
 * | controller  | everything /palisade/ | the model prefixes, the leader and last-delete keys |
 * | agent       | /palisade/v1/         | /palisade/v1/agent/ (per-node identity: its own key) |
 * | palisadectl | everything /palisade/ | nothing                                         |
 *
 * The agent reads the whole versioned prefix, not only the model prefixes: its syncer
 * lists and watches /palisade/v1/ as one consistent range (one revision for all kinds),
 * and etcd allows a range only when one user's permissions cover all of it. What that
 * adds to the model keys is read access to agent statuses and the leader record.
 *
 * Pure: no I/O. accessSetup.ts applies these to etcd.
 */
import {
  AGENT_PREFIX,
  CLUSTER_POLICY_PREFIX,
  ENDPOINT_PREFIX,
  LAST_DELETE_KEY,
  LEADER_KEY,
  NAMESPACE_PREFIX,
  POLICY_PREFIX,
  ROOT_PREFIX,
  agentKey,
} from '@palisade/model';

/** Everything Palisade stores, and any later version of it. */
export const PALISADE_PREFIX = '/palisade/';

export type PermType = 'Read' | 'Write' | 'Readwrite';

export interface KeyPermission {
  type: PermType;
  key: string;
  /** true: every key starting with `key`; false: exactly `key`. */
  prefix: boolean;
}

export interface RoleSpec {
  name: string;
  permissions: KeyPermission[];
}

export interface UserSpec {
  name: string;
  roles: string[];
}

export const ROLES = {
  controller: 'palisade-controller',
  agent: 'palisade-agent',
  cli: 'palisade-cli',
} as const;

/** The shared user names equal their role names. */
export const USERS = ROLES;

export type Component = keyof typeof ROLES;

/** The per-node agent identity: one user and one role, which may write only this node's status. */
export function nodeAgentName(node: string): string {
  // agentKey validates the node name (DNS subdomain), so the name is safe in etcd too.
  agentKey(node);
  return `${ROLES.agent}-${node}`;
}

const read = (key: string): KeyPermission => ({ type: 'Read', key, prefix: true });
const write = (key: string, prefix = true): KeyPermission => ({ type: 'Write', key, prefix });

/** The model prefixes: what the controller writes and every agent enforces. */
export const MODEL_PREFIXES = [
  POLICY_PREFIX,
  CLUSTER_POLICY_PREFIX,
  NAMESPACE_PREFIX,
  ENDPOINT_PREFIX,
] as const;

export function componentRoles(): RoleSpec[] {
  return [
    {
      name: ROLES.controller,
      permissions: [
        read(PALISADE_PREFIX),
        ...MODEL_PREFIXES.map((p) => write(p)),
        write(LEADER_KEY, false),
        write(LAST_DELETE_KEY, false),
      ],
    },
    { name: ROLES.agent, permissions: [read(ROOT_PREFIX), write(AGENT_PREFIX)] },
    { name: ROLES.cli, permissions: [read(PALISADE_PREFIX)] },
  ];
}

/** A node's own role: the agent's reads, and a write on exactly its status key. */
export function nodeAgentRole(node: string): RoleSpec {
  return {
    name: nodeAgentName(node),
    permissions: [read(ROOT_PREFIX), write(agentKey(node), false)],
  };
}

/** The roles and users for the shared identities plus one identity per listed node. */
export function accessPlan(nodes: readonly string[] = []): {
  roles: RoleSpec[];
  users: UserSpec[];
} {
  const roles = [...componentRoles(), ...nodes.map(nodeAgentRole)];
  return { roles, users: roles.map((r) => ({ name: r.name, roles: [r.name] })) };
}

/** The exclusive end of a prefix range: the prefix with its last byte incremented. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  const last = end.length - 1;
  end[last] = (end[last] ?? 0) + 1;
  return end;
}

/** A permission as etcd stores it (range_end empty for a single key). */
export function permissionRange(p: KeyPermission): { key: Buffer; rangeEnd: Buffer } {
  return { key: Buffer.from(p.key), rangeEnd: p.prefix ? prefixEnd(p.key) : Buffer.alloc(0) };
}

/** "read /palisade/v1/ (prefix)", "write /palisade/v1/controller/leader" */
export function describePermission(p: KeyPermission): string {
  return `${p.type.toLowerCase()} ${p.key}${p.prefix ? ' (prefix)' : ''}`;
}
