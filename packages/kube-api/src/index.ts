/**
 * A small in-memory Kubernetes API server for tests (namespaces, pods with
 * status, networking.k8s.io/v1 networkpolicies) that client-node informers and
 * kubectl talk to as to the real one. Plain HTTP on loopback; see README.md for
 * the simplifications.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NamespaceController } from './namespaceController.js';
import { Registry } from './registry.js';
import { NAMESPACES, resourceByName } from './resources.js';
import { ApiHandler } from './server.js';
import { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

export type { KubeObject } from './types.js';
export type { KubeStatus, StatusCause } from './status.js';

export interface KubeApiOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Directory for the kubeconfig; a temporary one (removed on stop) by default. */
  dir?: string;
  /** Events kept for watch resumption (default 10000); older revisions get 410. */
  watchCacheSize?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 5000 ms). */
  bookmarkIntervalMs?: number;
  /** Create default, kube-system, kube-public and kube-node-lease (default true). */
  bootstrapNamespaces?: boolean;
}

export interface KubeApi {
  url: string;
  kubeconfigPath: string;
  stop(): Promise<void>;
  /** For tests: compact history so older resourceVersions get 410. */
  compact(): void;
  /** Count of requests, per "verb resource" (e.g. "watch pods"), for benchmarks. */
  stats(): Record<string, number>;
  /** Stores an object skipping defaults and validation (resource: "pods", "networkpolicies", …). */
  injectRaw(resource: string, obj: unknown): KubeObject;
  /** For tests: ends every open watch stream (as an API server restart would); clients re-watch. */
  dropWatches(): void;
  /** The current global resourceVersion. */
  resourceVersion(): number;
}

export function kubeconfigYaml(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: palisade-test',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'contexts:',
    '- name: palisade-test',
    '  context:',
    '    cluster: palisade-test',
    '    user: palisade-test',
    '    namespace: default',
    'current-context: palisade-test',
    'users:',
    '- name: palisade-test',
    '  user:',
    '    token: palisade-test-token',
    '',
  ].join('\n');
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export async function startKubeApi(opts: KubeApiOptions = {}): Promise<KubeApi> {
  const store = new ObjectStore(opts.watchCacheSize ?? 10_000);
  const registry = new Registry(store);
  const namespaces = new NamespaceController(registry);
  registry.onNamespaceTerminating = () => namespaces.kick();
  if (opts.bootstrapNamespaces ?? true) {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      registry.create(NAMESPACES, undefined, { metadata: { name } });
    }
  }
  const handler = new ApiHandler(registry, { bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 5000 });
  const server = createServer((req, res) => void handler.handle(req, res));
  const port = await listen(server, opts.port ?? 0);
  handler.serverAddress = `127.0.0.1:${port}`;
  const url = `http://127.0.0.1:${port}`;
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'palisade-kube-api-')));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYaml(url), { mode: 0o600 });
  let stopped: Promise<void> | undefined;
  return {
    url,
    kubeconfigPath,
    compact: () => {
      store.compact();
      handler.pager.clear();
    },
    stats: () => handler.stats(),
    injectRaw: (resource, obj) => registry.injectRaw(resourceByName(resource), obj),
    resourceVersion: () => store.currentRv(),
    dropWatches: () => {
      for (const w of [...handler.watches]) w.close();
    },
    stop: () => {
      stopped ??= (async () => {
        namespaces.stop();
        for (const w of [...handler.watches]) w.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (ownDir) await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
