export * from './etcdServer.js';
export * from './tcpProxy.js';
export * from './syncHelpers.js';
export * from './tlsCerts.js';
export * from './etcdCluster.js';
export * from './etcdAuth.js';
