/**
 * `pnpm e2e <command>`:
 *   run <files or directories...>   run reachability scenarios (../shared/scenarios/FORMAT.md)
 *   cleanup                          remove what a crashed run left behind
 *   demo up | demo down              the local 2-node three-tier demo
 */
import { Command, Option } from 'commander';
import { Cluster } from './harness/cluster.js';
import { deleteNetnsWithPrefix } from './harness/netns.js';
import { demoDown, demoServe, demoUp } from './demo/demo.js';
import { explainAgreement } from './scenario/agreement.js';
import { loadScenarios } from './scenario/format.js';
import { runScenario, type ScenarioResult } from './scenario/runner.js';

const program = new Command('e2e').description('Palisade end-to-end harness');

program
  .command('run')
  .description('run reachability scenarios against a real local cluster')
  .argument('<paths...>', 'scenario files or directories')
  .option('--dual-stack', 'give every pod an IPv4 and an IPv6 address and probe both', false)
  .addOption(new Option('--probe-timeout <ms>', 'how long one probe attempt waits').default(1000).argParser(Number))
  .option('--no-explain', 'skip comparing palisadectl explain with the observed matrix')
  .option('--keep', 'keep the cluster running after the last scenario, until Ctrl-C', false)
  .option('--prefix <prefix>', 'name prefix for everything the run creates', 'pale2e-')
  .action(async (paths: string[], o: { dualStack: boolean; probeTimeout: number; keep: boolean; prefix: string; explain: boolean }) => {
    const scenarios = await loadScenarios(paths);
    if (scenarios.length === 0) throw new Error(`no scenarios found in ${paths.join(' ')}`);
    console.log(`${scenarios.length} scenarios from ${paths.join(' ')}`);
    const maxNodes = Math.max(...scenarios.map((s) => s.scenario.cluster.nodes));
    const t0 = Date.now();
    const cluster = await Cluster.start({ nodes: maxNodes, dualStack: o.dualStack, prefix: o.prefix });
    const results: ScenarioResult[] = [];
    try {
      await cluster.waitForAgents();
      console.log(`cluster up in ${Date.now() - t0} ms (${maxNodes} nodes${o.dualStack ? ', dual-stack' : ''}); logs in ${cluster.opts.logDir}`);
      for (const s of scenarios) results.push(await runScenario(cluster, s, { probeTimeoutMs: o.probeTimeout, out: (l) => console.log(l), ...(o.explain ? { afterStep: explainAgreement } : {}) }));
      if (o.keep) {
        console.log(`\nkeeping the cluster: PALISADE_ETCD_ENDPOINTS=${cluster.etcd.endpoints.join(',')} KUBECONFIG=${cluster.kubeconfigPath}`);
        console.log('press Ctrl-C (or send SIGTERM) to tear it down');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      }
    } finally {
      await cluster.stop();
    }
    const failed = results.filter((r) => !r.passed);
    const skipped = results.flatMap((r) => r.skipped.map((s) => `${r.name}: ${s}`));
    if (skipped.length > 0) console.log(`\nskipped (${skipped.length}):\n${skipped.map((s) => `  ${s}`).join('\n')}`);
    if (failed.length > 0) console.log(`\nfailed:\n${failed.map((r) => `  ${r.name} (${r.file})`).join('\n')}`);
    console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
    process.exitCode = failed.length > 0 ? 1 : 0;
  });

program
  .command('cleanup')
  .description('remove network namespaces left behind by a crashed run')
  .option('--prefix <prefix>', 'name prefix', 'pale2e-')
  .action(async (o: { prefix: string }) => {
    const n = await deleteNetnsWithPrefix(o.prefix);
    console.log(`removed ${n} network namespaces`);
  });

const demo = program.command('demo').description('the local 2-node three-tier demo');
demo.command('up').description('start the demo cluster in the background and walk through the policies').action(demoUp);
demo.command('down').description('stop the demo and remove everything it created').action(demoDown);
demo.command('serve', { hidden: true }).action(demoServe);

program.parseAsync().catch((err: unknown) => {
  console.error(`e2e: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
