/**
 * `palisadectl etcd-setup`: creates the etcd roles and users of Palisade's components
 * (docs/security.md), optionally one agent identity per node, and enables auth when
 * asked. Safe to run again: it writes only what differs and prints each write; a run
 * with nothing to do says so. Passwords come from files or the environment and are
 * never printed.
 */
import type { Command } from 'commander';
import { PalisadeError } from '@palisade/model';
import {
  USERS,
  accessPlan,
  describePermission,
  nodeAgentName,
  openAdminClient,
  setupAccess,
  type AccessReport,
} from '@palisade/datastore';
import { resolveConfig } from '../config.js';
import type { GlobalFlags } from '../config.js';
import type { CliContext } from '../context.js';
import { printLine, printWarning } from '../output/io.js';

interface SetupOptions {
  controllerPasswordFile?: string;
  agentPasswordFile?: string;
  cliPasswordFile?: string;
  rootPasswordFile?: string;
  node: string[];
  nodePasswordDir?: string;
  enableAuth?: boolean;
  resetPasswords?: boolean;
  dryRun?: boolean;
  printPlan?: boolean;
}

/** Where each shared identity's password comes from: a flag naming a file, else an env var. */
const PASSWORD_SOURCES = [
  { user: USERS.controller, flag: 'controllerPasswordFile', env: 'PALISADE_ETCD_CONTROLLER_PASSWORD' },
  { user: USERS.agent, flag: 'agentPasswordFile', env: 'PALISADE_ETCD_AGENT_PASSWORD' },
  { user: USERS.cli, flag: 'cliPasswordFile', env: 'PALISADE_ETCD_CLI_PASSWORD' },
] as const;

function readSecret(ctx: CliContext, file: string, what: string): string {
  const text = ctx.readFile(file);
  if (text === null) throw new PalisadeError('INVALID_INPUT', `${what}: file ${file} not found`, { fields: { file } });
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new PalisadeError('INVALID_INPUT', `${what}: file ${file} is empty`, { fields: { file } });
  return secret;
}

function collectPasswords(ctx: CliContext, opts: SetupOptions): Map<string, string> {
  const passwords = new Map<string, string>();
  for (const s of PASSWORD_SOURCES) {
    const file = opts[s.flag];
    const env = ctx.env[s.env];
    if (file !== undefined) passwords.set(s.user, readSecret(ctx, file, `password of ${s.user}`));
    else if (env) passwords.set(s.user, env);
  }
  for (const node of opts.node) {
    if (opts.nodePasswordDir === undefined) continue;
    const user = nodeAgentName(node);
    passwords.set(user, readSecret(ctx, `${opts.nodePasswordDir}/${node}`, `password of ${user}`));
  }
  return passwords;
}

function printPlan(ctx: CliContext, nodes: string[]): void {
  for (const role of accessPlan(nodes).roles) {
    printLine(ctx.out, `role ${role.name} (user ${role.name}):`);
    for (const p of role.permissions) printLine(ctx.out, `  ${describePermission(p)}`);
  }
}

function printReport(ctx: CliContext, report: AccessReport, dryRun: boolean): void {
  for (const c of report.changes) printLine(ctx.out, dryRun ? `would have ${c}` : c);
  for (const n of report.notes) printWarning(ctx.out, n);
  const auth = `${dryRun && report.authEnabled !== report.authWasEnabled ? 'would be ' : ''}${report.authEnabled ? 'on' : 'off'}`;
  if (report.changes.length === 0)
    printLine(ctx.out, `nothing to change: roles, users and authentication (${auth}) already match`);
  else
    printLine(
      ctx.out,
      `${report.changes.length} change${report.changes.length === 1 ? '' : 's'}${dryRun ? ' planned (dry run: nothing written)' : ''}; authentication is ${auth}`,
    );
  if (!report.authEnabled) printWarning(ctx.out, 'etcd authentication is off: every client may still read and write everything (add --enable-auth)');
}

export function registerEtcdSetup(program: Command, ctx: CliContext): void {
  program
    .command('etcd-setup')
    .summary('create the etcd roles and users of Palisade and enable auth')
    .description(
      "Creates the etcd roles palisade-controller, palisade-agent and palisade-cli (plus palisade-agent-<node> for each --node), a user of the same name for each, and grants exactly the permissions in docs/security.md. Connect as etcd's root user when auth is already on. Idempotent: prints each change it makes, or that nothing changed. Passwords are read from files or the environment and never printed; a user that exists keeps its password unless a new one is given.",
    )
    .option('--controller-password-file <file>', 'password of palisade-controller [$PALISADE_ETCD_CONTROLLER_PASSWORD]')
    .option('--agent-password-file <file>', 'password of palisade-agent [$PALISADE_ETCD_AGENT_PASSWORD]')
    .option('--cli-password-file <file>', 'password of palisade-cli [$PALISADE_ETCD_CLI_PASSWORD]')
    .option(
      '--node <name>',
      'also create a per-node agent identity palisade-agent-<name> that may write only that node\'s status (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--node-password-dir <dir>', 'directory with one password file per --node, named after the node')
    .option('--enable-auth', 'enable etcd authentication after creating the identities (creates root if missing)')
    .option('--root-password-file <file>', 'password for the root user that --enable-auth creates [$PALISADE_ETCD_ROOT_PASSWORD]')
    .option('--reset-passwords', 'set the passwords of existing users even when auth is off and they cannot be verified')
    .option('--dry-run', 'print what would change without writing')
    .option('--print-plan', 'print the roles and permissions, without connecting to etcd')
    .addHelpText(
      'after',
      `
Examples:
  palisadectl etcd-setup --print-plan
  palisadectl etcd-setup --controller-password-file c.pw --agent-password-file a.pw \\
      --cli-password-file cli.pw --root-password-file root.pw --enable-auth
  palisadectl --etcd-username root --etcd-password-file root.pw etcd-setup   # again: nothing to change
  palisadectl --etcd-username root --etcd-password-file root.pw etcd-setup \\
      --node node-a --node node-b --node-password-dir ./node-passwords`,
    )
    .action(async (opts: SetupOptions, cmd: Command) => {
      if (opts.printPlan) return printPlan(ctx, opts.node);
      if (opts.nodePasswordDir !== undefined && opts.node.length === 0)
        throw new PalisadeError('INVALID_INPUT', '--node-password-dir needs at least one --node');
      const passwords = collectPasswords(ctx, opts);
      const rootFile = opts.rootPasswordFile;
      const rootPassword = rootFile !== undefined ? readSecret(ctx, rootFile, 'root password') : ctx.env.PALISADE_ETCD_ROOT_PASSWORD || undefined;
      const config = resolveConfig(cmd.optsWithGlobals<GlobalFlags>(), ctx);
      const { client, authEnabled } = await openAdminClient(config.etcd);
      try {
        const report = await setupAccess(client, authEnabled, {
          nodes: opts.node,
          passwords,
          ...(opts.enableAuth ? { enableAuth: { rootPassword } } : {}),
          resetPasswords: opts.resetPasswords === true,
          dryRun: opts.dryRun === true,
        });
        printReport(ctx, report, opts.dryRun === true);
      } finally {
        await client.close();
      }
    });
}
