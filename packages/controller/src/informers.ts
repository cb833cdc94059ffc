/**
 * Informers for NetworkPolicies, Pods, Namespaces and ClusterNetworkPolicies (the only
 * module that imports @kubernetes/client-node). Each one lists, then watches, and
 * feeds add/update/delete events to the ModelBuilder.
 *
 * client-node's informer stops for good on an error (a failed list, a refused
 * watch); we restart it with backoff. A restart keeps the last resourceVersion, so it
 * resumes the watch; if the server answers 410 Gone the informer lists again and
 * reports deletions for objects that vanished meanwhile. "Synced" means all three
 * completed their first list: until then the desired state is incomplete and the
 * reconciler must not write (it would delete what is merely not listed yet).
 *
 * ClusterNetworkPolicies come from a CRD that many clusters do not have. Their
 * informer is synced on its own (the reconciler gates cluster-policy keys on it
 * alone), so NetworkPolicies never wait for it. A 404 means "not served": no CNP
 * exists, which is a complete answer; it logs that once and looks again periodically,
 * with a fresh informer, so a CRD installed later is picked up.
 *
 * Lists are fetched as raw JSON rather than through the generated typed client: its
 * deserializer throws on structurally odd objects (which a broken or injected object
 * may be), and one such object must not block the whole list. They are paged
 * (kubeList.ts), and pods are compacted to what translation reads before the informer
 * caches them. Handlers run from one EventQueue in time slices, never inside
 * client-node's synchronous list loop, so a 100k-pod list cannot starve the leader
 * lease's keep-alives; "synced" waits until the queue has handled the list.
 */
import * as k8s from '@kubernetes/client-node';
import { Backoff, errorMessage, silentLogger, type Logger } from '@palisade/common';
import { EventQueue } from './eventQueue.js';
import { statusCodeOf } from './kubeHttp.js';
import { listAll } from './kubeList.js';
import type { ControllerMetrics } from './metrics.js';
import type { ModelBuilder } from './modelBuilder.js';
import { compactPod } from './translate/compact.js';
import type { KClusterNetworkPolicy, KNamespace, KNetworkPolicy, KPod } from './translate/index.js';

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

/** GET a list as plain JSON, paged, with the kubeconfig's credentials and TLS settings. */
function rawList(kc: k8s.KubeConfig, path: string, compact?: (obj: unknown) => unknown): ListFn {
  return async () =>
    (await listAll(kc, path, compact ? { compact } : {})) as k8s.KubernetesListObject<k8s.KubernetesObject>;
}

/** client-node's Watch, with every watched object compacted as it arrives. */
function compactingWatch(kc: k8s.KubeConfig, compact: (obj: unknown) => unknown): k8s.Watch {
  const watch = new k8s.Watch(kc);
  const wrapped: Pick<k8s.Watch, 'watch'> = {
    watch: (path, query, callback, done) =>
      watch.watch(
        path,
        query,
        (phase, obj: unknown, raw: unknown) =>
          callback(phase, phase === 'ERROR' || phase === 'BOOKMARK' ? obj : compact(obj), raw),
        done,
      ),
  };
  return wrapped as k8s.Watch;
}

export const CLUSTER_NETWORK_POLICIES_PATH = '/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies';

interface ResourceSpec {
  resource: 'networkpolicies' | 'pods' | 'namespaces' | 'clusternetworkpolicies';
  path: string;
  upsert(obj: unknown): void;
  remove(obj: unknown): void;
  /** Keeps only the fields translation reads, before the informer caches an object. */
  compact?: (obj: unknown) => unknown;
  /**
   * Set for a resource the cluster may not serve (a CRD). A 404 on list or watch means
   * "not installed": `absent` is called (drop every object of it; that empty state is
   * complete) and the informer checks again every `retryMs`.
   */
  optional?: { absent(): void; retryMs: number };
}

class ResourceInformer {
  private informer: k8s.Informer<k8s.KubernetesObject>;
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 10_000 });
  private errors = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private absent = false;
  synced = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly spec: ResourceSpec,
    private readonly ctx: {
      logger: Logger;
      metrics?: ControllerMetrics;
      queue: EventQueue;
      onSynced: () => void;
    },
  ) {
    this.informer = this.create();
  }

  /** A fresh client-node informer (an empty cache: after an absence, everything is new). */
  private create(): k8s.Informer<k8s.KubernetesObject> {
    const { spec } = this;
    const list = rawList(this.kc, spec.path, spec.compact);
    const informer = spec.compact
      ? new k8s.ListWatch(spec.path, compactingWatch(this.kc, spec.compact), list, false)
      : k8s.makeInformer(this.kc, spec.path, list);
    const { queue } = this.ctx;
    informer.on('add', (o) => queue.push(() => this.safely('add', () => spec.upsert(o))));
    informer.on('update', (o) => queue.push(() => this.safely('update', () => spec.upsert(o))));
    informer.on('delete', (o) => queue.push(() => this.safely('delete', () => spec.remove(o))));
    informer.on('error', (err) => this.failed(err));
    return informer;
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
    // The listed objects are queued, not handled yet: synced means handled.
    await this.ctx.queue.barrier();
    if (this.errors !== errorsBefore || this.stopped) return;
    this.backoff.reset();
    if (this.absent) {
      this.absent = false;
      this.ctx.logger.info('resource is served now: watching it', { resource: this.spec.resource });
    }
    this.markSynced();
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.ctx.logger.info('informer synced', { resource: this.spec.resource });
    this.ctx.onSynced();
  }

  private failed(err: unknown): void {
    this.errors++;
    if (this.stopped || this.restartTimer) return;
    if (this.spec.optional && statusCodeOf(err) === 404) return this.notServed(this.spec.optional);
    this.ctx.metrics?.errors.inc({ kind: 'informer' });
    const retryInMs = this.backoff.next();
    this.ctx.logger.warn('informer failed, restarting', {
      resource: this.spec.resource,
      err: errorMessage(err),
      retryInMs,
    });
    this.schedule(retryInMs);
  }

  /** The API server does not serve the resource (no CRD): normal, and nothing of it exists. */
  private notServed(optional: NonNullable<ResourceSpec['optional']>): void {
    if (!this.absent) {
      this.absent = true;
      this.ctx.logger.info('resource not served by the API server (CRD not installed?): none exist; checking again periodically', {
        resource: this.spec.resource,
        retryInMs: optional.retryMs,
      });
    }
    const old = this.informer;
    void old.stop();
    this.informer = this.create();
    // After whatever the old informer queued, so that its adds do not outlive `absent`.
    this.ctx.queue.push(() => {
      this.safely('absent', () => optional.absent());
      this.markSynced();
    });
    this.schedule(optional.retryMs);
  }

  private schedule(delayMs: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) void this.attempt();
    }, delayMs);
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
  /** Called once, when the namespace, pod and NetworkPolicy informers have listed. */
  onSynced?: () => void;
  /**
   * Called once, when the ClusterNetworkPolicy informer has listed, or found that the
   * API server does not serve the resource. It never holds up `onSynced`: a cluster
   * without the CRD (or a controller not allowed to read it) keeps NetworkPolicies working.
   */
  onClusterPoliciesSynced?: () => void;
  /** How often to look again for a ClusterNetworkPolicy API that is not served; default 60 000 ms. */
  clusterPolicyRetryMs?: number;
}

export class ClusterInformers {
  private readonly core: ResourceInformer[];
  private readonly clusterPolicies: ResourceInformer;
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
        compact: compactPod,
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
    const ctx = { logger: this.logger, metrics: opts.metrics, queue: new EventQueue(), onSynced };
    this.core = specs.map((s) => new ResourceInformer(opts.kubeConfig, s, ctx));
    const cnps: ResourceSpec = {
      resource: 'clusternetworkpolicies',
      path: CLUSTER_NETWORK_POLICIES_PATH,
      upsert: (o) => b.clusterPolicyUpserted(o as KClusterNetworkPolicy),
      remove: (o) => b.clusterPolicyDeleted(o as KClusterNetworkPolicy),
      optional: { absent: () => b.clusterPoliciesGone(), retryMs: opts.clusterPolicyRetryMs ?? 60_000 },
    };
    this.clusterPolicies = new ResourceInformer(opts.kubeConfig, cnps, {
      ...ctx,
      onSynced: () => opts.onClusterPoliciesSynced?.(),
    });
  }

  start(): void {
    for (const i of this.core) i.start();
    this.clusterPolicies.start();
  }

  /** The core informers (namespaces, pods, NetworkPolicies) have listed. */
  synced(): boolean {
    return this.core.every((i) => i.synced);
  }

  clusterPoliciesSynced(): boolean {
    return this.clusterPolicies.synced;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.core, this.clusterPolicies].map((i) => i.stop()));
  }
}
