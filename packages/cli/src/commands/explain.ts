/** `palisadectl explain --from … --to … --port …`: would this connection be allowed? */
import type { Command } from 'commander';
import { Option } from 'commander';
import { PalisadeError } from '@palisade/model';
import type { CliContext } from '../context.js';
import { withSource } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { explainConnection } from '../explain/evaluate.js';
import type { ExplainQuery } from '../explain/types.js';
import { jsonValue } from '../output/documents.js';
import { formatVerdict } from '../output/explain.js';
import { printWarning } from '../output/io.js';
import type { ModelData } from '../view/modelView.js';
import { clusterContainmentWords } from '../view/clusterContainment.js';
import { containmentWords } from '../view/containment.js';
import { ModelView } from '../view/modelView.js';

interface ExplainOptions {
  from: string;
  to: string;
  port: string;
  protocol: string;
  output: 'text' | 'json';
  exitCode?: boolean;
}

export function parseExplainQuery(opts: Pick<ExplainOptions, 'from' | 'to' | 'port' | 'protocol'>): ExplainQuery {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port.trim()) || port < 1 || port > 65535)
    throw new PalisadeError('INVALID_INPUT', `--port must be a number from 1 to 65535, got ${JSON.stringify(opts.port)}`);
  const protocol = opts.protocol.toUpperCase();
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP')
    throw new PalisadeError('INVALID_INPUT', `--protocol must be TCP, UDP or SCTP, got ${JSON.stringify(opts.protocol)}`);
  return { from: opts.from, to: opts.to, port, protocol };
}

export function runExplain(ctx: CliContext, data: ModelData, q: ExplainQuery, opts: Pick<ExplainOptions, 'output' | 'exitCode'>): void {
  const view = new ModelView(data);
  const contained = new Set(view.contained.map((c) => c.key));
  for (const c of view.contained) printWarning(ctx.out, `${containmentWords(c)} (key ${c.key})`);
  for (const c of view.clusterPolicies)
    if (c.invalid !== null) {
      contained.add(c.invalid.key);
      printWarning(ctx.out, `${clusterContainmentWords(c)} (key ${c.invalid.key})`);
    }
  for (const i of data.invalid.filter((e) => !contained.has(e.key)))
    printWarning(ctx.out, `invalid value at ${i.key} was ignored; the verdict may differ from what agents enforce: ${i.error}`);
  const verdict = explainConnection(view, q);
  ctx.out.out(opts.output === 'json' ? jsonValue(verdict) : formatVerdict(verdict));
  if (opts.exitCode && !verdict.allowed) ctx.exitCode = EXIT.FAILURE;
}

export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .summary('would a connection be allowed, and by which policy?')
    .description(
      'Evaluate the stored model as the agents enforce it: the source pod\'s egress side and the destination pod\'s ingress side must both allow the connection. Each side walks the tiers: Admin cluster policies (by priority, then name; first matching rule decides, Pass leaves the tier), then NetworkPolicies (final when they isolate the pod), then Baseline cluster policies, then the default, allow. Names the tier, policy and rule that decided. A plain IP that is no pod\'s is not policed on its side. Exits 0 even when blocked (the verdict is data) unless --exit-code is given.',
    )
    .requiredOption('--from <pod|ip>', 'source: <namespace>/<pod> or an IP')
    .requiredOption('--to <pod|ip>', 'destination: <namespace>/<pod> or an IP')
    .requiredOption('--port <port>', 'destination port (numeric)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP', 'TCP')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--exit-code', 'exit with 1 when the connection is blocked (like git diff --exit-code)')
    .addHelpText(
      'after',
      `
Examples:
  palisadectl explain --from shop/front --to shop/db --port 6379
  palisadectl explain --from 10.244.1.7 --to shop/front --port 80 --protocol TCP
  palisadectl explain --from shop/front --to 8.8.8.8 --port 53 --protocol UDP -o json
  palisadectl explain --from shop/mid --to shop/db --port 6379 --exit-code && echo allowed`,
    )
    .action(async (opts: ExplainOptions, cmd: Command) => {
      const q = parseExplainQuery(opts);
      await withSource(ctx, cmd, async (load) => runExplain(ctx, await load(), q, opts));
    });
}
