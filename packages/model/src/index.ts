export * from './errors.js';
export * from './schema/index.js';
export * from './keys.js';
export * from './names.js';
export * from './selector/index.js';
export * from './decode.js';
export * from './ip.js';
export * from './containment.js';
