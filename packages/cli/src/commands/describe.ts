/** `palisadectl describe policy <ns/name>`. */
import type { Command } from 'commander';
import { PalisadeError } from '@palisade/model';
import type { CliContext } from '../context.js';
import { withSource } from '../context.js';
import { describePolicy } from '../describe/describePolicy.js';
import { formatPolicyDescription } from '../output/describe.js';
import { EXIT } from '../exitCodes.js';
import { printError, printWarning } from '../output/io.js';
import type { ModelData } from '../view/modelView.js';
import { ModelView } from '../view/modelView.js';
import { parseResource, splitName } from './resources.js';

export function runDescribePolicy(ctx: CliContext, data: ModelData, namespace: string, name: string): void {
  const view = new ModelView(data);
  const d = describePolicy(view, namespace, name);
  if (d === null) throw new PalisadeError('NOT_FOUND', `policy ${namespace}/${name} not found`, { fields: { namespace, name } });
  const others = data.invalid.filter((i) => i.key !== d.key).length;
  if (others > 0)
    printWarning(ctx.out, `${others} other invalid value(s) in etcd (see palisadectl status); invalid policies select as the agents contain them`);
  ctx.out.out(formatPolicyDescription(d, view.endpoints.length));
  if (d.invalid !== null) {
    printError(ctx.out, `policy ${namespace}/${name} is stored but invalid: ${d.invalid}`);
    ctx.exitCode = EXIT.FAILURE;
  }
}

export function registerDescribe(program: Command, ctx: CliContext): void {
  program
    .command('describe')
    .summary('explain a policy in plain words')
    .description(
      'Show a policy in plain words: what it applies to, the endpoints it selects now and on which nodes, and for each rule the peers it admits. A translation error is shown first.',
    )
    .argument('<resource>', 'policy (policies, pol)')
    .argument('<name>', '<namespace>/<name>, or <name> with -n')
    .option('-n, --namespace <ns>', 'the namespace of the policy', 'default')
    .addHelpText(
      'after',
      `
Examples:
  palisadectl describe policy shop/allow-frontend
  palisadectl describe pol allow-frontend -n shop`,
    )
    .action(async (resourceArg: string, nameArg: string, opts: { namespace: string }, cmd: Command) => {
      if (parseResource(resourceArg) !== 'policies')
        throw new PalisadeError('INVALID_INPUT', `describe supports policies only, not ${JSON.stringify(resourceArg)} (try get -o yaml)`);
      const { namespace, name } = splitName(nameArg, opts.namespace);
      await withSource(ctx, cmd, async (load) => runDescribePolicy(ctx, await load(), namespace, name));
    });
}
