import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type WriteOp = 'create' | 'update' | 'delete';
export type ErrorKind = 'etcd' | 'conflict' | 'translate' | 'informer' | 'election' | 'status';

/** The controller's Prometheus metrics (prefix `palisade_controller_`). */
export interface ControllerMetrics {
  reconcileDuration: Histogram;
  etcdWrites: Counter<'kind' | 'op'>;
  errors: Counter<'kind'>;
  invalidPolicies: Counter;
  invalidPoliciesCurrent: Gauge;
  queueDepth: Gauge;
  isLeader: Gauge;
  desiredObjects: Gauge<'kind'>;
}

export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  return {
    reconcileDuration: new Histogram({
      name: 'palisade_controller_reconcile_duration_seconds',
      help: 'Duration of full reconciles (etcd list, compare, writes).',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    etcdWrites: new Counter({
      name: 'palisade_controller_etcd_writes_total',
      help: 'Successful etcd writes by key kind (policy, clusterPolicy, namespace, endpoint) and op (create, update, delete).',
      labelNames: ['kind', 'op'],
      registers,
    }),
    errors: new Counter({
      name: 'palisade_controller_errors_total',
      help: 'Errors by kind: etcd, conflict (compare-and-swap lost), translate, informer, election, status (ClusterNetworkPolicy status writes).',
      labelNames: ['kind'],
      registers,
    }),
    invalidPolicies: new Counter({
      name: 'palisade_controller_invalid_policies_total',
      help: 'NetworkPolicy versions that failed translation (stored with spec.error, no rules).',
      registers,
    }),
    invalidPoliciesCurrent: new Gauge({
      name: 'palisade_controller_invalid_policies',
      help: 'NetworkPolicies currently stored with spec.error.',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'palisade_controller_queue_depth',
      help: 'Keys waiting to be compared with etcd and written.',
      registers,
    }),
    isLeader: new Gauge({
      name: 'palisade_controller_is_leader',
      help: '1 while this controller holds the leader lease.',
      registers,
    }),
    desiredObjects: new Gauge({
      name: 'palisade_controller_desired_objects',
      help: 'Objects the controller wants in etcd, by kind.',
      labelNames: ['kind'],
      registers,
    }),
  };
}
