/**
 * Controller: wires informers → model builder → reconciler → etcd, under leader
 * election. Every replica runs its informers (so a standby is warm and can take over
 * at once); only the elected one lets its reconciler write to etcd and its status
 * writer write ClusterNetworkPolicy conditions. On election the
 * reconciler lists etcd first, because the previous leader may have written since.
 */
import { createRegistry, errorMessage, startObservabilityServer, type Logger, type ObservabilityServer } from '@palisade/common';
import { EtcdClient, LeaderElection } from '@palisade/datastore';
import { LEADER_KEY } from '@palisade/model';
import type { ControllerConfig } from './config.js';
import { CLUSTER_NETWORK_POLICIES_PATH, ClusterInformers, loadKubeConfig } from './informers.js';
import { etcdStore } from './etcdStore.js';
import { createControllerMetrics } from './metrics.js';
import { ModelBuilder } from './modelBuilder.js';
import { Reconciler } from './reconciler.js';
import { kubeStatusClient } from './statusClient.js';
import { ClusterPolicyStatusWriter } from './statusWriter.js';

export class Controller {
  private readonly logger: Logger;
  private client: EtcdClient | null = null;
  private informers: ClusterInformers | null = null;
  private reconciler: Reconciler | null = null;
  private statusWriter: ClusterPolicyStatusWriter | null = null;
  private election: LeaderElection | null = null;
  private server: ObservabilityServer | null = null;

  constructor(
    private readonly cfg: ControllerConfig,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'controller' });
  }

  /** Starts everything; resolves once the metrics server listens (its port is returned). */
  async start(): Promise<number> {
    const { cfg } = this;
    const registry = createRegistry('palisade_controller');
    const metrics = createControllerMetrics(registry);
    const client = EtcdClient.connect(cfg.etcd, this.logger.child({ component: 'etcd' }));
    this.client = client;
    const reconciler = new Reconciler({
      store: etcdStore(client),
      logger: this.logger,
      metrics,
      resyncIntervalMs: cfg.resyncIntervalMs,
    });
    this.reconciler = reconciler;
    const kubeConfig = loadKubeConfig(cfg.kubeconfig ?? undefined);
    const statusWriter = new ClusterPolicyStatusWriter({
      client: kubeStatusClient(kubeConfig, CLUSTER_NETWORK_POLICIES_PATH),
      logger: this.logger,
      metrics,
    });
    this.statusWriter = statusWriter;
    const builder = new ModelBuilder({ reconciler, logger: this.logger, metrics, status: statusWriter });
    const informers = new ClusterInformers({
      kubeConfig,
      builder,
      logger: this.logger,
      metrics,
      onSynced: () => reconciler.setDesiredComplete(['policy', 'namespace', 'endpoint']),
      onClusterPoliciesSynced: () => reconciler.setDesiredComplete(['clusterPolicy']),
      clusterPolicyRetryMs: cfg.resyncIntervalMs,
    });
    this.informers = informers;
    this.server = await startObservabilityServer({
      host: cfg.metricsHost,
      port: cfg.metricsPort,
      registry,
      health: { live: () => true, ready: () => informers.synced() && reconciler.ready() },
    });
    this.logger.info('metrics server listening', { port: this.server.port, host: cfg.metricsHost });
    informers.start();
    const election = new LeaderElection({
      client,
      key: LEADER_KEY,
      id: cfg.id,
      ttlSeconds: cfg.leaseTtlSeconds,
      logger: this.logger,
    });
    this.election = election;
    election.run({
      onElected: () => {
        this.logger.info('leading: reconciling etcd', { id: cfg.id });
        reconciler.setLeader(true);
        statusWriter.setLeader(true);
      },
      onDeposed: () => {
        metrics.errors.inc({ kind: 'election' });
        this.logger.warn('deposed: stopped writing', { id: cfg.id });
        reconciler.setLeader(false);
        statusWriter.setLeader(false);
      },
    });
    return this.server.port;
  }

  /** Stops writing, gives up leadership (so a standby takes over at once), closes. */
  async stop(): Promise<void> {
    this.reconciler?.setLeader(false);
    this.statusWriter?.setLeader(false);
    await this.reconciler?.stop();
    await this.statusWriter?.stop();
    await this.election?.resign().catch((err: unknown) => {
      this.logger.warn('resign failed', { err: errorMessage(err) });
    });
    await this.informers?.stop();
    await this.server?.close();
    await this.client?.close();
    this.logger.info('controller stopped');
  }
}
