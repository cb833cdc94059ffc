export { PalisadeError, isPalisadeError, errorMessage, type ErrorCode } from '@palisade/model';
export * from './logger.js';
export * from './backoff.js';
export * from './httpServer.js';
export * from './argv.js';
export * from './duration.js';
export * from './daemonOptions.js';
export * from './sizeFlags.js';
