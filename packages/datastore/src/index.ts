export * from './types.js';
export { EtcdClient, type LeaseHandle } from './client.js';
export { Syncer, type SyncerOptions } from './syncer.js';
export { describeZodError } from './errors.js';
