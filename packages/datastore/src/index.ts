export * from './types.js';
export { EtcdClient, type LeaseHandle } from './client.js';
export { Syncer, type SyncerOptions } from './syncer.js';
export { LeaderElection, type LeaderElectionOptions, type LeaderCallbacks } from './election.js';
export {
  etcdOptionsFromEnv,
  etcdOptionsFromFlags,
  parseEndpoints,
  ETCD_ENV,
  DEFAULT_ETCD_ENDPOINTS,
  type EtcdFlagValues,
} from './env.js';
export {
  describeZodError,
  logEtcdFailure,
  permissionDenied,
  type EtcdCallContext,
} from './errors.js';
