/**
 * Applies access.ts to etcd: creates the roles and users, grants exactly the listed
 * permissions (revoking any other on Palisade's roles), and enables authentication if
 * asked. Idempotent: each step reads first and writes only what differs, and the report
 * lists exactly the writes made, so a second run reports none.
 *
 * Ordering: roles before the users that hold them, and authentication last, so that a
 * run interrupted half way never leaves auth on without the identities the components
 * need. Passwords are compared by authenticating (etcd never returns them), which is
 * only possible while auth is on; with auth off an existing user's password is set
 * only when asked (resetPasswords).
 */
import { PalisadeError, isPalisadeError } from '@palisade/model';
import { EtcdUserNotFoundError, EtcdRoleNotFoundError, EtcdAuthenticationFailedError } from 'etcd3';
import {
  accessPlan,
  describePermission,
  permissionRange,
  type KeyPermission,
  type RoleSpec,
  type UserSpec,
} from './access.js';
import { EtcdClient } from './client.js';
import type { EtcdConnectionOptions } from './types.js';

export interface AccessSetupOptions {
  /** Nodes that get their own agent identity (see nodeAgentName). */
  nodes?: readonly string[];
  /** Password by user name. A user without one is left as it is, and must exist. */
  passwords: ReadonlyMap<string, string>;
  /** Enable authentication at the end; needs the root user (created with rootPassword if missing). */
  enableAuth?: { rootPassword?: string | undefined };
  /** Set the passwords of existing users even when they cannot be verified (auth off). */
  resetPasswords?: boolean;
  /** Report what would change without writing. */
  dryRun?: boolean;
}

export interface AccessReport {
  authWasEnabled: boolean;
  authEnabled: boolean;
  /** One line per write (or, in a dry run, per write it would make). */
  changes: string[];
  /** Things left as they are that a human may want to know. */
  notes: string[];
}

/**
 * Connects as an etcd administrator: with the given credentials when auth is on, and
 * without them when etcd answers that auth is off (it refuses credentials then).
 */
export async function openAdminClient(
  opts: EtcdConnectionOptions,
): Promise<{ client: EtcdClient; authEnabled: boolean }> {
  const client = EtcdClient.connect(opts);
  try {
    await client.call('userList', () => client.raw.auth.userList());
    return { client, authEnabled: opts.username !== undefined };
  } catch (err) {
    await client.close();
    if (!isPalisadeError(err, 'PERMISSION_DENIED')) throw err;
    const kind = err.fields.kind;
    if (kind === 'auth-disabled') {
      const { username: _u, password: _p, passwordFile: _f, ...anonymous } = opts;
      return { client: EtcdClient.connect(anonymous), authEnabled: false };
    }
    if (kind === 'no-credentials' || kind === 'denied')
      throw new PalisadeError(
        'PERMISSION_DENIED',
        `etcd has authentication enabled and setting up access needs its root user: pass --etcd-username root and --etcd-password-file`,
        { cause: err, fields: err.fields },
      );
    throw err;
  }
}

/** Brings the roles and users in etcd to accessPlan(nodes); see the module comment. */
export async function setupAccess(
  client: EtcdClient,
  authEnabled: boolean,
  opts: AccessSetupOptions,
): Promise<AccessReport> {
  const report: AccessReport = {
    authWasEnabled: authEnabled,
    authEnabled,
    changes: [],
    notes: [],
  };
  const plan = accessPlan(opts.nodes ?? []);
  for (const role of plan.roles) await ensureRole(client, role, opts, report);
  for (const user of plan.users) await ensureUser(client, user, opts, report);
  if (opts.enableAuth && !authEnabled) {
    await ensureRoot(client, opts.enableAuth.rootPassword, opts, report);
    report.changes.push('enabled authentication');
    if (!opts.dryRun) await client.call('authEnable', () => client.raw.auth.authEnable());
    report.authEnabled = true;
  }
  return report;
}

const permId = (type: string, key: Buffer, end: Buffer): string =>
  `${type} ${key.toString('hex')} ${end.toString('hex')}`;

async function ensureRole(
  client: EtcdClient,
  role: RoleSpec,
  opts: AccessSetupOptions,
  report: AccessReport,
): Promise<void> {
  const auth = client.raw.auth;
  const existing = await optional(EtcdRoleNotFoundError, () =>
    client.call('roleGet', () => auth.roleGet({ role: role.name })),
  );
  if (!existing) {
    report.changes.push(`created role ${role.name}`);
    if (!opts.dryRun) await client.call('roleAdd', () => auth.roleAdd({ name: role.name }));
  }
  const have = new Map(
    (existing?.perm ?? []).map((p) => [permId(p.permType, p.key, p.range_end), p]),
  );
  const want = new Map<string, KeyPermission>();
  for (const p of role.permissions) {
    const { key, rangeEnd } = permissionRange(p);
    want.set(permId(p.type, key, rangeEnd), p);
  }
  for (const [id, p] of want) {
    if (have.has(id)) continue;
    report.changes.push(`granted ${role.name}: ${describePermission(p)}`);
    const { key, rangeEnd } = permissionRange(p);
    if (!opts.dryRun)
      await client.call('roleGrantPermission', () =>
        auth.roleGrantPermission({
          name: role.name,
          perm: { permType: p.type, key, range_end: rangeEnd },
        }),
      );
  }
  for (const [id, p] of have) {
    if (want.has(id)) continue;
    // A grant on the same range with another type replaced it above; only revoke the rest.
    if ([...want.values()].some((w) => sameRange(w, p.key, p.range_end))) continue;
    const end = p.range_end.length > 0 ? ` .. ${p.range_end.toString()}` : '';
    report.changes.push(
      `revoked ${role.name}: ${p.permType.toLowerCase()} ${p.key.toString()}${end}`,
    );
    if (!opts.dryRun)
      await client.call('roleRevokePermission', () =>
        auth.roleRevokePermission({ role: role.name, key: p.key, range_end: p.range_end }),
      );
  }
}

function sameRange(p: KeyPermission, key: Buffer, end: Buffer): boolean {
  const r = permissionRange(p);
  return r.key.equals(key) && r.rangeEnd.equals(end);
}

async function ensureUser(
  client: EtcdClient,
  user: UserSpec,
  opts: AccessSetupOptions,
  report: AccessReport,
): Promise<void> {
  const auth = client.raw.auth;
  const password = opts.passwords.get(user.name);
  const existing = await optional(EtcdUserNotFoundError, () =>
    client.call('userGet', () => auth.userGet({ name: user.name })),
  );
  if (!existing) {
    if (password === undefined)
      throw new PalisadeError(
        'INVALID_INPUT',
        `etcd user ${user.name} does not exist and no password was given for it`,
        { fields: { user: user.name } },
      );
    report.changes.push(`created user ${user.name}`);
    if (!opts.dryRun)
      await client.call('userAdd', () => auth.userAdd({ name: user.name, password }));
  } else if (password !== undefined) {
    await ensurePassword(client, user.name, password, opts, report);
  }
  const roles = new Set(existing?.roles ?? []);
  for (const r of user.roles) {
    if (roles.has(r)) continue;
    report.changes.push(`granted role ${r} to user ${user.name}`);
    if (!opts.dryRun)
      await client.call('userGrantRole', () => auth.userGrantRole({ user: user.name, role: r }));
  }
  for (const r of roles) {
    if (user.roles.includes(r)) continue;
    report.changes.push(`revoked role ${r} from user ${user.name}`);
    if (!opts.dryRun)
      await client.call('userRevokeRole', () => auth.userRevokeRole({ name: user.name, role: r }));
  }
}

async function ensurePassword(
  client: EtcdClient,
  name: string,
  password: string,
  opts: AccessSetupOptions,
  report: AccessReport,
): Promise<void> {
  const auth = client.raw.auth;
  if (report.authEnabled) {
    const ok = await client.raw.auth.authenticate({ name, password }).then(
      () => true,
      (err: unknown) => {
        if (err instanceof EtcdAuthenticationFailedError) return false;
        throw err;
      },
    );
    if (ok) return;
  } else if (!opts.resetPasswords) {
    report.notes.push(
      `the password of existing user ${name} was not checked (etcd can only verify it with auth on); --reset-passwords sets it`,
    );
    return;
  }
  report.changes.push(`set the password of user ${name}`);
  if (!opts.dryRun)
    await client.call('userChangePassword', () => auth.userChangePassword({ name, password }));
}

async function ensureRoot(
  client: EtcdClient,
  rootPassword: string | undefined,
  opts: AccessSetupOptions,
  report: AccessReport,
): Promise<void> {
  const auth = client.raw.auth;
  const root = await optional(EtcdUserNotFoundError, () =>
    client.call('userGet', () => auth.userGet({ name: 'root' })),
  );
  if (!root) {
    if (rootPassword === undefined)
      throw new PalisadeError(
        'INVALID_INPUT',
        'enabling authentication needs a root user: give --root-password-file (or $PALISADE_ETCD_ROOT_PASSWORD) to create it',
      );
    report.changes.push('created user root');
    if (!opts.dryRun)
      await client.call('userAdd', () => auth.userAdd({ name: 'root', password: rootPassword }));
  }
  if (!root?.roles.includes('root')) {
    report.changes.push('granted role root to user root');
    if (!opts.dryRun)
      await client.call('userGrantRole', () => auth.userGrantRole({ user: 'root', role: 'root' }));
  }
}

/** Runs a read; null when it fails with etcd's "not found" for a user or role. */
async function optional<T>(
  notFound: abstract new (...args: never[]) => Error,
  fn: () => Promise<T>,
): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    const cause = isPalisadeError(err) ? err.cause : err;
    if (cause instanceof notFound) return null;
    throw err;
  }
}
