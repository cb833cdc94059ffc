/**
 * `palisadectl status [--wait]`: is every agent running, in sync, and has it programmed
 * the newest model write? --wait polls until it has (answering "is my policy enforced
 * everywhere yet?"), reporting progress on stderr.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { PalisadeError } from '@palisade/model';
import { parseDuration } from '../config.js';
import type { CliContext } from '../context.js';
import { withSource } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { jsonValue } from '../output/documents.js';
import { printError, printProgress, printWarning } from '../output/io.js';
import { formatStatus } from '../output/status.js';
import type { ModelData } from '../view/modelView.js';
import { nodeRows } from '../view/nodes.js';
import type { NodeRow } from '../view/nodes.js';
import { buildStatusReport, statusJson } from '../view/status.js';

interface StatusOptions {
  output: 'table' | 'json';
  maxLag: string;
  wait?: boolean;
  timeout: string;
  interval: string;
}

function printReport(ctx: CliContext, data: ModelData, opts: StatusOptions, maxLag: number): boolean {
  const report = buildStatusReport(data, maxLag);
  ctx.out.out(opts.output === 'json' ? jsonValue(statusJson(report)) : formatStatus(report, ctx.now()));
  if (opts.output !== 'json' && report.leader === null) printWarning(ctx.out, 'no controller is leading: policy changes are not being written to etcd');
  return report.healthy;
}

/** Done when every node has an in-sync, error-free agent that programmed `target`. */
function pending(rows: NodeRow[], target: bigint): NodeRow[] {
  return rows.filter(
    (r) =>
      r.agent === null ||
      !r.agent.status.inSync ||
      r.currentError !== null ||
      BigInt(r.agent.status.programmedRevision) < target,
  );
}

function describePending(r: NodeRow): string {
  if (r.agent === null) return `${r.name} (no agent)`;
  if (!r.agent.status.inSync) return `${r.name} (not in sync)`;
  if (r.currentError !== null) return `${r.name} (error: ${r.currentError})`;
  return `${r.name} (at ${r.agent.status.programmedRevision})`;
}

async function waitForAgents(ctx: CliContext, load: () => Promise<ModelData>, opts: StatusOptions, maxLag: number): Promise<void> {
  const timeoutMs = parseDuration(opts.timeout, '--timeout');
  const intervalMs = parseDuration(opts.interval, '--interval');
  const started = ctx.now().getTime();
  let data = await load();
  const target = data.modelRevision;
  let last = '';
  for (;;) {
    const rows = nodeRows(data);
    const left = pending(rows, BigInt(target));
    if (left.length === 0) {
      printProgress(ctx.out, `all ${rows.length} agents have programmed revision ${target}`);
      printReport(ctx, data, opts, maxLag);
      return;
    }
    const line = `waiting for revision ${target}: ${rows.length - left.length}/${rows.length} agents done; pending ${left.map(describePending).join(', ')}`;
    if (line !== last) printProgress(ctx.out, line);
    last = line;
    if (ctx.now().getTime() - started >= timeoutMs) {
      printReport(ctx, data, opts, maxLag);
      printError(ctx.out, `timed out after ${opts.timeout} waiting for agents to program revision ${target}: ${left.map(describePending).join(', ')}`);
      ctx.exitCode = EXIT.UNHEALTHY;
      return;
    }
    await ctx.sleep(intervalMs);
    data = await load();
  }
}

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .summary('are all agents in sync and enforcing the current policy?')
    .description(
      'Show every node\'s agent: in sync or not, the revision it has programmed against the newest policy/endpoint/namespace write (its lag), last apply, errors and invalid keys; and the elected controller. Exits 5 when an agent is missing (a node with endpoints but no agent status), not in sync, behind by more than --max-lag revisions, or in error.',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--max-lag <revisions>', 'revisions an agent may lag behind before it counts as behind', '0')
    .option('--wait', 'block until every agent has programmed the current revision')
    .option('--timeout <duration>', 'how long --wait waits (e.g. 30s, 2m)', '60s')
    .option('--interval <duration>', 'how often --wait polls', '500ms')
    .addHelpText(
      'after',
      `
Examples:
  palisadectl status                       # exit 0 when every agent is healthy, 5 when not
  palisadectl status --max-lag 5 -o json
  kubectl apply -f policy.yaml && palisadectl status --wait --timeout 30s`,
    )
    .action(async (opts: StatusOptions, cmd: Command) => {
      if (!/^\d+$/.test(opts.maxLag))
        throw new PalisadeError('INVALID_INPUT', `--max-lag must be a non-negative integer, got ${JSON.stringify(opts.maxLag)}`);
      const maxLag = Number(opts.maxLag);
      parseDuration(opts.timeout, '--timeout');
      parseDuration(opts.interval, '--interval');
      await withSource(ctx, cmd, async (load) => {
        if (opts.wait) return waitForAgents(ctx, load, opts, maxLag);
        if (!printReport(ctx, await load(), opts, maxLag)) ctx.exitCode = EXIT.UNHEALTHY;
      });
    });
}
