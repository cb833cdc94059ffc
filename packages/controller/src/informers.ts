/**
 * Informers for NetworkPolicies, Pods and Namespaces (the only module that imports
 * @kubernetes/client-node). Each one lists, then watches, and feeds add/update/delete
 * events to the ModelBuilder.
 *
 * client-node's informer stops for good on an error (a failed list, a refused
 * watch); we restart it with backoff. A restart keeps the last resourceVersion, so it
 * resumes the watch; if the server answers 410 Gone the informer lists again and
 * reports deletions for objects that vanished meanwhile. "Synced" means all three
 * completed their first list: until then the desired state is incomplete and the
 * reconciler must not write (it would delete what is merely not listed yet).
 *
 * Lists are fetched as raw JSON rather than through the generated typed client: its
 * deserializer throws on structurally odd objects (which a broken or injected object
 * may be), and one such object must not block the whole list.
 */
import http from 'node:http';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { Backoff, PalisadeError, errorMessage, silentLogger, type Logger } from '@palisade/common';
import type { ControllerMetrics } from './metrics.js';
import type { ModelBuilder } from './modelBuilder.js';
import type { KNamespace, KNetworkPolicy, KPod } from './translate/index.js';

export type KubeConfig = k8s.KubeConfig;

/** An explicit kubeconfig file; else in-cluster config when running in a pod; else the default chain. */
export function loadKubeConfig(file?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

type ListFn = () => Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;

/** GET a list as plain JSON with the kubeconfig's credentials and TLS settings. */
function rawList(kc: k8s.KubeConfig, path: string): ListFn {
  return async () => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new PalisadeError('INVALID_INPUT', 'kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const body = await new Promise<string>((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.request(url, { ...opts, method: 'GET', timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) return resolve(text);
          const err = new PalisadeError('UNAVAILABLE', `list ${path}: HTTP ${res.statusCode}`, {
            fields: { body: text.slice(0, 500) },
          });
          Object.assign(err, { statusCode: res.statusCode });
          reject(err);
        });
      });
      req.on('timeout', () => req.destroy(new PalisadeError('TIMEOUT', `list ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
    return JSON.parse(body) as k8s.KubernetesListObject<k8s.KubernetesObject>;
  };
}

interface ResourceSpec {
  resource: 'networkpolicies' | 'pods' | 'namespaces';
  path: string;
  upsert(obj: unknown): void;
  remove(obj: unknown): void;
}

class ResourceInformer {
  private readonly informer: k8s.Informer<k8s.KubernetesObject>;
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 10_000 });
  private errors = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  synced = false;

  constructor(
    kc: k8s.KubeConfig,
    private readonly spec: ResourceSpec,
    private readonly ctx: { logger: Logger; metrics?: ControllerMetrics; onSynced: () => void },
  ) {
    this.informer = k8s.makeInformer(kc, spec.path, rawList(kc, spec.path));
    this.informer.on('add', (o) => this.safely('add', () => spec.upsert(o)));
    this.informer.on('update', (o) => this.safely('update', () => spec.upsert(o)));
    this.informer.on('delete', (o) => this.safely('delete', () => spec.remove(o)));
    this.informer.on('error', (err) => this.failed(err));
  }

  start(): void {
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  private async attempt(): Promise<void> {
    const errorsBefore = this.errors;
    try {
      await this.informer.start();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (this.errors !== errorsBefore || this.stopped) return;
    this.backoff.reset();
    if (!this.synced) {
      this.synced = true;
      this.ctx.logger.info('informer synced', { resource: this.spec.resource });
      this.ctx.onSynced();
    }
  }

  private failed(err: unknown): void {
    this.errors++;
    if (this.stopped || this.restartTimer) return;
    this.ctx.metrics?.errors.inc({ kind: 'informer' });
    const retryInMs = this.backoff.next();
    this.ctx.logger.warn('informer failed, restarting', {
      resource: this.spec.resource,
      err: errorMessage(err),
      retryInMs,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) void this.attempt();
    }, retryInMs);
  }

  /** A handler must never break the informer's event loop. */
  private safely(event: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.metrics?.errors.inc({ kind: 'translate' });
      this.ctx.logger.warn('failed to handle informer event', {
        resource: this.spec.resource,
        event,
        err: errorMessage(err),
      });
    }
  }
}

export interface ClusterInformersOptions {
  kubeConfig: k8s.KubeConfig;
  builder: ModelBuilder;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Called once, when all three informers have listed. */
  onSynced?: () => void;
}

export class ClusterInformers {
  private readonly informers: ResourceInformer[];
  private readonly logger: Logger;

  constructor(opts: ClusterInformersOptions) {
    this.logger = (opts.logger ?? silentLogger()).child({ component: 'informers' });
    const b = opts.builder;
    const specs: ResourceSpec[] = [
      {
        resource: 'namespaces',
        path: '/api/v1/namespaces',
        upsert: (o) => b.namespaceUpserted(o as KNamespace),
        remove: (o) => b.namespaceDeleted(o as KNamespace),
      },
      {
        resource: 'pods',
        path: '/api/v1/pods',
        upsert: (o) => b.podUpserted(o as KPod),
        remove: (o) => b.podDeleted(o as KPod),
      },
      {
        resource: 'networkpolicies',
        path: '/apis/networking.k8s.io/v1/networkpolicies',
        upsert: (o) => b.policyUpserted(o as KNetworkPolicy),
        remove: (o) => b.policyDeleted(o as KNetworkPolicy),
      },
    ];
    let reported = false;
    const onSynced = (): void => {
      if (reported || !this.synced()) return;
      reported = true;
      this.logger.info('all informers synced');
      opts.onSynced?.();
    };
    const ctx = { logger: this.logger, metrics: opts.metrics, onSynced };
    this.informers = specs.map((s) => new ResourceInformer(opts.kubeConfig, s, ctx));
  }

  start(): void {
    for (const i of this.informers) i.start();
  }

  synced(): boolean {
    return this.informers.every((i) => i.synced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
