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
export {
  PALISADE_PREFIX,
  MODEL_PREFIXES,
  ROLES,
  USERS,
  accessPlan,
  componentRoles,
  describePermission,
  nodeAgentName,
  nodeAgentRole,
  type Component,
  type KeyPermission,
  type PermType,
  type RoleSpec,
  type UserSpec,
} from './access.js';
export {
  openAdminClient,
  setupAccess,
  type AccessReport,
  type AccessSetupOptions,
} from './accessSetup.js';
