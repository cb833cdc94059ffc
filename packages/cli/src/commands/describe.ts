/** `palisadectl describe policy <ns/name>` and `describe clusterpolicy <name>`. */
import type { Command } from 'commander';
import { PalisadeError } from '@palisade/model';
import type { CliContext } from '../context.js';
import { withSource } from '../context.js';
import { describeClusterPolicy } from '../describe/describeClusterPolicy.js';
import { describePolicy } from '../describe/describePolicy.js';
import { formatClusterPolicyDescription } from '../output/describeCluster.js';
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

export function runDescribeClusterPolicy(ctx: CliContext, data: ModelData, name: string): void {
  const view = new ModelView(data);
  const d = describeClusterPolicy(view, name);
  if (d === null) throw new PalisadeError('NOT_FOUND', `cluster policy ${name} not found`, { fields: { name } });
  const others = data.invalid.filter((i) => i.key !== d.key).length;
  if (others > 0)
    printWarning(ctx.out, `${others} other invalid value(s) in etcd (see palisadectl status); invalid policies select as the agents contain them`);
  ctx.out.out(formatClusterPolicyDescription(d, view.endpoints.length));
  if (d.cp.invalid !== null) {
    printError(ctx.out, `cluster policy ${name} is stored but invalid: ${d.cp.invalid.error}`);
    ctx.exitCode = EXIT.FAILURE;
  }
}

export function registerDescribe(program: Command, ctx: CliContext): void {
  program
    .command('describe')
    .summary('explain a policy or cluster policy in plain words')
    .description(
      'Show a policy in plain words: what it applies to, the endpoints it selects now and on which nodes, and for each rule the peers it admits. A translation error is shown first. For a cluster policy, also its tier and priority.',
    )
    .argument('<resource>', 'policy (policies, pol) or clusterpolicy (clusterpolicies, cnp)')
    .argument('<name>', '<namespace>/<name>, or <name> with -n; a cluster policy by <name>')
    .option('-n, --namespace <ns>', 'the namespace of the policy', 'default')
    .addHelpText(
      'after',
      `
Examples:
  palisadectl describe policy shop/allow-frontend
  palisadectl describe pol allow-frontend -n shop
  palisadectl describe clusterpolicy deny-tenants`,
    )
    .action(async (resourceArg: string, nameArg: string, opts: { namespace: string }, cmd: Command) => {
      const resource = parseResource(resourceArg);
      if (resource === 'clusterpolicies') {
        if (nameArg.includes('/'))
          throw new PalisadeError('INVALID_INPUT', `a cluster policy has no namespace: ${JSON.stringify(nameArg)}`);
        await withSource(ctx, cmd, async (load) => runDescribeClusterPolicy(ctx, await load(), nameArg));
        return;
      }
      if (resource !== 'policies')
        throw new PalisadeError(
          'INVALID_INPUT',
          `describe supports policies and cluster policies only, not ${JSON.stringify(resourceArg)} (try get -o yaml)`,
        );
      const { namespace, name } = splitName(nameArg, opts.namespace);
      await withSource(ctx, cmd, async (load) => runDescribePolicy(ctx, await load(), namespace, name));
    });
}
