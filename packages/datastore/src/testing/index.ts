export * from './etcdServer.js';
