/**
 * The palisadectl command tree. `run` parses argv, runs one command and returns the
 * exit code (documented in docs/cli.md): commander's usage errors become 2, and
 * PalisadeErrors map through exitCodeFor.
 */
import { Command, CommanderError, Option } from 'commander';
import { errorMessage, isPalisadeError } from '@palisade/model';
import { registerCompletion } from './commands/completion.js';
import { registerDescribe } from './commands/describe.js';
import { registerExplain } from './commands/explain.js';
import { registerGet } from './commands/get.js';
import { registerStatus } from './commands/status.js';
import { DEFAULT_ENDPOINT } from './config.js';
import { HINT_FIELD } from './context.js';
import type { CliContext } from './context.js';
import { registerEtcdSetup } from './commands/etcdSetup.js';
import { EXIT, exitCodeFor } from './exitCodes.js';
import { escapeLines } from './output/escape.js';
import { printError } from './output/io.js';

export const VERSION = '0.1.0';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('palisadectl')
    .description('Inspect Palisade: the network policy model in etcd and the node agents enforcing it.')
    .version(VERSION, '--version', 'print the version')
    .option('--config <file>', 'config file (default $PALISADE_CONFIG or ~/.palisade/config.yaml)')
    .option('--etcd-endpoints <urls>', `comma-separated etcd URLs [$PALISADE_ETCD_ENDPOINTS] (default ${DEFAULT_ENDPOINT})`)
    .option('--etcd-ca-file <file>', 'CA bundle for etcd TLS [$PALISADE_ETCD_CA_FILE]')
    .option('--etcd-cert-file <file>', 'client certificate for etcd [$PALISADE_ETCD_CERT_FILE]')
    .option('--etcd-key-file <file>', 'client key for etcd [$PALISADE_ETCD_KEY_FILE]')
    .option('--etcd-username <name>', 'etcd user [$PALISADE_ETCD_USERNAME]')
    .addOption(new Option('--etcd-password <password>', 'etcd password [$PALISADE_ETCD_PASSWORD]'))
    .option('--etcd-password-file <file>', 'file holding the etcd password [$PALISADE_ETCD_PASSWORD_FILE]')
    .option('--request-timeout <duration>', 'timeout of each etcd request, e.g. 3s [$PALISADE_ETCD_REQUEST_TIMEOUT_MS] (default 5s)')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.out(s),
      writeErr: (s) => ctx.out.err(s),
      // Usage errors quote argv back; keep their layout but make controls visible.
      outputError: (s, write) => write(escapeLines(s)),
    })
    .addHelpText(
      'after',
      `
Examples:
  palisadectl get policies -A
  palisadectl describe policy shop/allow-frontend
  palisadectl explain --from shop/front --to shop/db --port 6379
  palisadectl status --wait --timeout 30s
  palisadectl --etcd-endpoints https://10.0.0.5:2379 --etcd-ca-file ca.pem get nodes

Exit codes: 0 ok, 1 failure (or blocked with explain --exit-code), 2 usage,
3 not found, 4 etcd unreachable, 5 status unhealthy, 6 etcd permission denied.`,
    );
  registerGet(program, ctx);
  registerDescribe(program, ctx);
  registerExplain(program, ctx);
  registerStatus(program, ctx);
  registerEtcdSetup(program, ctx);
  registerCompletion(program, ctx);
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const hint = isPalisadeError(err) ? err.fields[HINT_FIELD] : undefined;
    printError(ctx.out, errorMessage(err), typeof hint === 'string' ? hint : undefined);
    return exitCodeFor(err);
  }
}
