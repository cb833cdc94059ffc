/**
 * CLI: runs the fake Kubernetes API server until SIGINT/SIGTERM.
 *   tsx --conditions=palisade-source packages/kube-api/src/main.ts --port 0 --kubeconfig /tmp/kc
 * Prints the server URL on stdout (one line), then the kubeconfig path on stderr.
 */
import { copyFile } from 'node:fs/promises';
import { Command } from 'commander';
import { startKubeApi } from './index.js';

interface CliOptions {
  port: string;
  kubeconfig?: string;
  watchCacheSize: string;
  bookmarkIntervalMs: string;
}

async function main(): Promise<void> {
  const program = new Command('kube-api')
    .description('in-memory Kubernetes API server for tests (namespaces, pods, networkpolicies)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--kubeconfig <path>', 'also write a kubeconfig for this server here')
    .option('--watch-cache-size <n>', 'events kept for watch resumption', '10000')
    .option('--bookmark-interval-ms <ms>', 'BOOKMARK interval on watches', '5000')
    .parse();
  const o = program.opts<CliOptions>();
  const api = await startKubeApi({
    port: Number(o.port),
    watchCacheSize: Number(o.watchCacheSize),
    bookmarkIntervalMs: Number(o.bookmarkIntervalMs),
  });
  if (o.kubeconfig) await copyFile(api.kubeconfigPath, o.kubeconfig);
  console.log(api.url);
  console.error(`kubeconfig: ${o.kubeconfig ?? api.kubeconfigPath}`);
  const shutdown = (): void => {
    void api.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
