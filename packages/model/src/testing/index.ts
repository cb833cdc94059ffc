export * from './errors.js';
export * from './builders.js';
