export * from './common.js';
export * from './policy.js';
export * from './clusterPolicy.js';
export * from './endpoint.js';
export * from './namespace.js';
export * from './agentStatus.js';
