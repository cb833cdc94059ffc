/**
 * ModelBuilder: Kubernetes object events → desired etcd state in the reconciler.
 *
 * It runs the pure translators and keeps the one piece of state translation needs:
 * which endpoint key each pod currently maps to, because the key contains the node
 * name (and the ClusterNetworkPolicies it holds, so that it can drop them all when
 * the API stops serving them). When a pod moves node, or stops having an endpoint (no IP, finished,
 * hostNetwork), its old key is cleared from the desired state. Objects that cannot be
 * keyed at all are logged and counted, never allowed to stop the stream.
 */
import { errorMessage, silentLogger, type Logger } from '@palisade/common';
import { clusterPolicyKey, endpointKey, namespaceKey, policyKey, type ClusterPolicy, type Policy } from '@palisade/model';
import type { ControllerMetrics } from './metrics.js';
import type { Reconciler } from './reconciler.js';
import type { ClusterPolicyStatusWriter } from './statusWriter.js';
import {
  translateClusterNetworkPolicy,
  translateNamespace,
  translateNetworkPolicy,
  translatePod,
} from './translate/index.js';
import type { KClusterNetworkPolicy, KNamespace, KNetworkPolicy, KPod } from './translate/index.js';

export interface ModelBuilderOptions {
  reconciler: Pick<Reconciler, 'set' | 'get'>;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Told about every translated ClusterNetworkPolicy (for its status condition). */
  status?: Pick<ClusterPolicyStatusWriter, 'observe' | 'forget'>;
}

const ident = (m: { namespace?: string; name?: string } | undefined): string =>
  `${m?.namespace ?? ''}/${m?.name ?? ''}`;

export class ModelBuilder {
  private readonly reconciler: ModelBuilderOptions['reconciler'];
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  /** pod namespace/name → its endpoint key. */
  private readonly podKeys = new Map<string, string>();
  /** Policy keys currently stored with spec.error. */
  private readonly invalidPolicies = new Set<string>();
  /** ClusterNetworkPolicy name → its key, for every CNP in the desired state. */
  private readonly clusterPolicyKeys = new Map<string, string>();
  private readonly status: ModelBuilderOptions['status'];

  constructor(opts: ModelBuilderOptions) {
    this.reconciler = opts.reconciler;
    this.logger = (opts.logger ?? silentLogger()).child({ component: 'model' });
    this.metrics = opts.metrics;
    this.status = opts.status;
  }

  policyUpserted(np: KNetworkPolicy): void {
    const policy = ident(np.metadata);
    let key: string;
    let value: Policy;
    try {
      key = policyKey(np.metadata?.namespace ?? '', np.metadata?.name ?? '');
      value = translateNetworkPolicy(np).policy;
    } catch (err) {
      this.untranslatable('NetworkPolicy cannot be stored', { policy, err: errorMessage(err) });
      return;
    }
    const error = value.spec.error;
    if (error) {
      const previous = this.reconciler.get(key) as Policy | null;
      if (previous === null || JSON.stringify(previous) !== JSON.stringify(value)) {
        this.metrics?.invalidPolicies.inc();
        this.logger.warn('invalid NetworkPolicy: stored without rules, selected pods isolated', {
          namespace: value.metadata.namespace,
          name: value.metadata.name,
          field: error.field,
          err: error.message,
        });
      }
      this.invalidPolicies.add(key);
    } else {
      this.invalidPolicies.delete(key);
    }
    this.metrics?.invalidPoliciesCurrent.set(this.invalidPolicies.size);
    if (this.logger.isDebugEnabled()) this.logger.debug('policy translated', { policy, key });
    this.reconciler.set(key, 'policy', value);
  }

  policyDeleted(np: KNetworkPolicy): void {
    try {
      const key = policyKey(np.metadata?.namespace ?? '', np.metadata?.name ?? '');
      this.invalidPolicies.delete(key);
      this.metrics?.invalidPoliciesCurrent.set(this.invalidPolicies.size);
      this.reconciler.set(key, 'policy', null);
    } catch {
      // It never had a key.
    }
  }

  clusterPolicyUpserted(cnp: KClusterNetworkPolicy): void {
    const name = cnp.metadata?.name ?? '';
    let key: string;
    let value: ClusterPolicy;
    try {
      key = clusterPolicyKey(name);
      value = translateClusterNetworkPolicy(cnp);
    } catch (err) {
      this.untranslatable('ClusterNetworkPolicy cannot be stored', { policy: name, err: errorMessage(err) });
      return;
    }
    const { error, warnings } = value.spec;
    const previous = this.reconciler.get(key) as ClusterPolicy | null;
    const changed = previous === null || JSON.stringify(previous.spec) !== JSON.stringify(value.spec);
    if (changed && error)
      this.logger.warn('invalid ClusterNetworkPolicy: it denies all traffic in the directions it has rules for', {
        policy: name,
        field: error.field,
        err: error.message,
      });
    else if (changed && warnings.length > 0)
      this.logger.warn('ClusterNetworkPolicy rules fail closed', { policy: name, warnings });
    this.logger.debug('cluster policy translated', { policy: name, key });
    this.clusterPolicyKeys.set(name, key);
    this.reconciler.set(key, 'clusterPolicy', value);
    this.status?.observe(cnp, value);
  }

  clusterPolicyDeleted(cnp: KClusterNetworkPolicy): void {
    const name = cnp.metadata?.name ?? '';
    const key = this.clusterPolicyKeys.get(name);
    this.status?.forget(name);
    if (key === undefined) return;
    this.clusterPolicyKeys.delete(name);
    this.reconciler.set(key, 'clusterPolicy', null);
  }

  /** The API server does not serve ClusterNetworkPolicies (any more): none exist. */
  clusterPoliciesGone(): void {
    for (const name of [...this.clusterPolicyKeys.keys()]) this.clusterPolicyDeleted({ metadata: { name } });
  }

  podUpserted(pod: KPod): void {
    const id = ident(pod.metadata);
    let next: { key: string; value: unknown } | null = null;
    try {
      const endpoint = translatePod(pod);
      if (endpoint)
        next = {
          key: endpointKey(endpoint.spec.node, endpoint.metadata.namespace, endpoint.metadata.name),
          value: endpoint,
        };
    } catch (err) {
      this.untranslatable('pod cannot be stored as an endpoint', { pod: id, err: errorMessage(err) });
    }
    const previous = this.podKeys.get(id);
    if (previous !== undefined && previous !== next?.key) this.reconciler.set(previous, 'endpoint', null);
    if (next) {
      this.podKeys.set(id, next.key);
      this.reconciler.set(next.key, 'endpoint', next.value);
    } else {
      this.podKeys.delete(id);
    }
  }

  podDeleted(pod: KPod): void {
    const id = ident(pod.metadata);
    const previous = this.podKeys.get(id);
    if (previous === undefined) return;
    this.podKeys.delete(id);
    this.reconciler.set(previous, 'endpoint', null);
  }

  namespaceUpserted(ns: KNamespace): void {
    try {
      const value = translateNamespace(ns);
      this.reconciler.set(namespaceKey(value.metadata.name), 'namespace', value);
    } catch (err) {
      this.untranslatable('namespace cannot be stored', { namespace: ns.metadata?.name, err: errorMessage(err) });
    }
  }

  namespaceDeleted(ns: KNamespace): void {
    try {
      this.reconciler.set(namespaceKey(ns.metadata?.name ?? ''), 'namespace', null);
    } catch {
      // It never had a key.
    }
  }

  counts(): { endpoints: number; invalidPolicies: number; clusterPolicies: number } {
    return {
      endpoints: this.podKeys.size,
      invalidPolicies: this.invalidPolicies.size,
      clusterPolicies: this.clusterPolicyKeys.size,
    };
  }

  private untranslatable(message: string, fields: Record<string, unknown>): void {
    this.metrics?.errors.inc({ kind: 'translate' });
    this.logger.warn(message, fields);
  }
}
