export * from './types.js';
export { translateNetworkPolicy, policyTypes, type PolicyTranslation } from './networkPolicy.js';
export { translatePod } from './pod.js';
export { translateNamespace } from './namespace.js';
export { canonicalIp, parseCidr, maskCidr, formatCidr } from './ip.js';
export { translateClusterNetworkPolicy, subjectSelector } from './clusterNetworkPolicy.js';
