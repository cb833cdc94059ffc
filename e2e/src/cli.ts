/**
 * `pnpm e2e <command>`:
 *   run <files or directories...>   run reachability scenarios (../shared/scenarios/FORMAT.md)
 *   cleanup                          remove what an earlier run left behind (host; API with --kubeconfig)
 *   demo up | demo down              the local 2-node three-tier demo
 */
import { Command, Option } from 'commander';
import { Cluster } from './harness/cluster.js';
import { KubeClient } from './harness/kube.js';
import { removeHostLeftovers } from './harness/leftovers.js';
import { ownerSelector, validatePrefix } from './harness/owner.js';
import { demoDown, demoServe, demoUp } from './demo/demo.js';
import { explainAgreement } from './scenario/agreement.js';
import { loadScenarios, usesClusterPolicies, type LoadedScenario } from './scenario/format.js';
import { runScenario, type ScenarioResult } from './scenario/runner.js';

const program = new Command('e2e').description('Palisade end-to-end harness');

interface RunFlags {
  dualStack: boolean;
  probeTimeout: number;
  keep: boolean;
  prefix: string;
  explain: boolean;
  etcdAuth: boolean;
}

program
  .command('run')
  .description('run reachability scenarios against a real local cluster')
  .argument('<paths...>', 'scenario files or directories')
  .option('--dual-stack', 'give every pod an IPv4 and an IPv6 address and probe both', false)
  .addOption(new Option('--probe-timeout <ms>', 'how long one probe attempt waits').default(1000).argParser(Number))
  .option('--no-explain', 'skip comparing palisadectl explain with the observed matrix')
  .option('--keep', "keep the last scenario's cluster running until Ctrl-C, and its Kubernetes objects afterwards", false)
  .option('--prefix <prefix>', 'name prefix (and owner) of everything the run creates', 'pale2e-')
  .option('--etcd-auth', 'run etcd with authentication on and each component with its own identity (docs/security.md)', false)
  .action(async (paths: string[], o: RunFlags) => {
    validatePrefix(o.prefix);
    const scenarios = await loadScenarios(paths);
    if (scenarios.length === 0) throw new Error(`no scenarios found in ${paths.join(' ')}`);
    console.log(`${scenarios.length} scenarios from ${paths.join(' ')}; owner label ${ownerSelector(o.prefix)}`);
    const maxNodes = Math.max(...scenarios.map((s) => s.scenario.cluster.nodes));
    const t0 = Date.now();
    const namespaces = [...new Set(scenarios.flatMap((s) => s.scenario.cluster.namespaces.map((n) => n.name)))];
    const clusterPolicies = scenarios.some((s) => usesClusterPolicies(s.scenario));
    const cluster = await Cluster.start({ nodes: maxNodes, dualStack: o.dualStack, prefix: o.prefix, etcdAuth: o.etcdAuth, namespaces, clusterPolicies, notice: (l) => console.log(l) });
    const results = await runAll(cluster, scenarios, o, t0);
    const failed = results.filter((r) => !r.passed);
    const skipped = results.flatMap((r) => r.skipped.map((s) => `${r.name}: ${s}`));
    if (skipped.length > 0) console.log(`\nskipped (${skipped.length}):\n${skipped.map((s) => `  ${s}`).join('\n')}`);
    if (failed.length > 0) console.log(`\nfailed:\n${failed.map((r) => `  ${r.name} (${r.file})`).join('\n')}`);
    console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
    process.exitCode = failed.length > 0 ? 1 : 0;
  });

/**
 * Runs the scenarios, then tears the cluster down: on success, on an error, and on
 * SIGINT/SIGTERM (which exit 130/143 once everything is removed). With --keep the
 * cluster stays up until a signal, and the Kubernetes objects stay after it.
 */
async function runAll(cluster: Cluster, scenarios: LoadedScenario[], o: RunFlags, t0: number): Promise<ScenarioResult[]> {
  let keeping: (() => void) | null = null;
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (keeping) return keeping();
    if (signalled) return;
    signalled = true;
    console.log(`\n${sig}: stopping the run and removing what it created`);
    void cluster
      .stop({ keepObjects: o.keep })
      .catch((err: unknown) => console.error(`e2e: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: ScenarioResult[] = [];
  try {
    await cluster.waitForAgents();
    console.log(`cluster up in ${Date.now() - t0} ms (${cluster.topology.nodes.length} nodes${o.dualStack ? ', dual-stack' : ''}${o.etcdAuth ? ', etcd auth on' : ''}); logs in ${cluster.opts.logDir}`);
    const afterStep = o.explain ? { afterStep: explainAgreement } : {};
    for (const s of scenarios) results.push(await runScenario(cluster, s, { probeTimeoutMs: o.probeTimeout, out: (l) => console.log(l), ...afterStep }));
    if (o.keep) {
      console.log(`\nkeeping the cluster: PALISADE_ETCD_ENDPOINTS=${cluster.etcd.endpoints.join(',')} KUBECONFIG=${cluster.kubeconfigPath}`);
      console.log(`press Ctrl-C (or send SIGTERM) to stop it; the Kubernetes objects (${ownerSelector(o.prefix)}) stay until the next run or \`pnpm e2e cleanup\``);
      await new Promise<void>((resolve) => (keeping = resolve));
    }
  } finally {
    if (!signalled) await cluster.stop({ keepObjects: o.keep });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return results;
}

program
  .command('cleanup')
  .description('remove what a run with this prefix left behind: processes, network namespaces, Kubernetes objects')
  .option('--prefix <prefix>', 'name prefix', 'pale2e-')
  .option('--kubeconfig <path>', 'also delete the objects labelled with the owner on this cluster (default: $E2E_KUBECONFIG)')
  .action(async (o: { prefix: string; kubeconfig?: string }) => {
    const host = await removeHostLeftovers(o.prefix);
    console.log(`killed ${host.processes} processes, removed ${host.netns} network namespaces`);
    const kubeconfig = o.kubeconfig ?? process.env.E2E_KUBECONFIG;
    if (!kubeconfig) return;
    const kube = new KubeClient(kubeconfig, o.prefix);
    const owned = [
      ...(await kube.ownedNamespaces()).map((n) => `namespace/${n}`),
      ...(await kube.ownedPods()).map((p) => `pod/${p}`),
      ...(await kube.clusterPolicies.owned()).map((p) => `clusternetworkpolicy/${p}`),
    ];
    await kube.deleteEverythingOwned();
    console.log(`deleted ${owned.length > 0 ? owned.join(' ') : 'no objects'} (${ownerSelector(o.prefix)})`);
  });

const demo = program.command('demo').description('the local 2-node three-tier demo');
demo.command('up').description('start the demo cluster in the background and walk through the policies').action(demoUp);
demo.command('down').description('stop the demo and remove everything it created').action(demoDown);
demo.command('serve', { hidden: true }).action(demoServe);

program.parseAsync().catch((err: unknown) => {
  console.error(`e2e: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
