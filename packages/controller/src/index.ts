/** Public API of @palisade/controller: the pure translators and the reconciler. */
export * from './translate/index.js';
export { Reconciler, kindOfKey, type ObjectKind, type ReconcilerStore, type ReconcilerOptions } from './reconciler.js';
export { ModelBuilder } from './modelBuilder.js';
export { parseConfig, type ControllerConfig, DEFAULTS as CONTROLLER_DEFAULTS } from './config.js';
export { etcdStore } from './etcdStore.js';
