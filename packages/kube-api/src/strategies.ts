/**
 * Per-resource behaviour of the real registry strategies that clients can see:
 * defaulting, what create/update/status-update keep or reset, and validation.
 */
import {
  defaultNetworkPolicy,
  isValidPortName,
  validateNetworkPolicy,
  validateNetworkPolicySpec,
} from './netpolValidation.js';
import { NAMESPACE_SCHEMA, NETWORK_POLICY_SCHEMA, POD_SCHEMA } from './builtinSchemas.js';
import { loadCrdSchema } from './crdSchema.js';
import { customResourceStrategy } from './customResource.js';
import {
  CLUSTER_NETWORK_POLICIES,
  NAMESPACES,
  NETWORK_POLICIES,
  PODS,
  type ResourceDef,
} from './resources.js';
import { fieldErr, type FieldError } from './status.js';
import { prune } from './structural.js';
import { asObject, deepEqual, isObject, type JsonObject, type KubeObject } from './types.js';
import {
  isDns1123Label,
  isDns1123Subdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

export interface Strategy {
  def: ResourceDef;
  /**
   * Drops the fields the kind does not declare, as decoding does, and returns their
   * paths (reported or rejected according to the request's fieldValidation).
   */
  prune(obj: KubeObject): string[];
  /** Defaults applied whenever an object is decoded (create, update, patch result). */
  defaults(obj: KubeObject): void;
  prepareForCreate(obj: KubeObject): void;
  /** Main-resource update: status (if any) is kept from `old`. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  validate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}

function keepStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = old.status;
}

const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

const namespaceStrategy: Strategy = {
  def: NAMESPACES,
  prune: (obj) => prune(obj, NAMESPACE_SCHEMA),
  defaults(obj) {
    // SetDefaults_Namespace: the label always mirrors the name and cannot be changed.
    if (obj.metadata.name)
      obj.metadata.labels = { ...obj.metadata.labels, [METADATA_NAME_LABEL]: obj.metadata.name };
  },
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    keepStatus(obj, old);
  },
  validate: (obj) => validateObjectMeta(obj.metadata, false, isDns1123Label),
  validateUpdate: (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata),
};

function containers(spec: JsonObject, key: string): JsonObject[] {
  const v = spec[key];
  return Array.isArray(v) ? v.map(asObject) : [];
}

function defaultContainer(c: JsonObject): void {
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
  c.imagePullPolicy ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of Array.isArray(c.ports) ? c.ports.map(asObject) : []) p.protocol ??= 'TCP';
}

function qosClass(spec: JsonObject): string {
  const all = [...containers(spec, 'containers'), ...containers(spec, 'initContainers')];
  const res = all.map((c) => asObject(c.resources));
  const empty = (o: unknown): boolean => !isObject(o) || Object.keys(o).length === 0;
  if (res.every((r) => empty(r.requests) && empty(r.limits))) return 'BestEffort';
  const guaranteed = res.every((r) => {
    const lim = asObject(r.limits);
    const req = { ...lim, ...asObject(r.requests) };
    return ['cpu', 'memory'].every((k) => lim[k] !== undefined && lim[k] === req[k]);
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function validateContainers(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const list = containers(spec, 'containers');
  if (list.length === 0) errs.push(fieldErr.required('spec.containers', ''));
  for (const key of ['initContainers', 'containers']) {
    containers(spec, key).forEach((c, i) => {
      const p = `spec.${key}[${i}]`;
      const name = typeof c.name === 'string' ? c.name : '';
      if (!name) errs.push(fieldErr.required(`${p}.name`, ''));
      else errs.push(...isDns1123Label(name).map((m) => fieldErr.invalid(`${p}.name`, name, m)));
      if (typeof c.image !== 'string' || c.image.trim() === '')
        errs.push(fieldErr.required(`${p}.image`, ''));
      (Array.isArray(c.ports) ? c.ports.map(asObject) : []).forEach((port, j) => {
        const pp = `${p}.ports[${j}]`;
        const n = port.containerPort;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
          errs.push(
            fieldErr.invalid(
              `${pp}.containerPort`,
              n ?? 0,
              'must be between 1 and 65535, inclusive',
            ),
          );
        }
        if (typeof port.name === 'string')
          errs.push(
            ...isValidPortName(port.name).map((m) => fieldErr.invalid(`${pp}.name`, port.name, m)),
          );
        if (!['TCP', 'UDP', 'SCTP'].includes(String(port.protocol))) {
          errs.push(fieldErr.notSupported(`${pp}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
        }
      });
    });
  }
  return errs;
}

/** Pod spec fields that an update may change (ValidatePodUpdate). */
function mutablePodSpecView(spec: JsonObject): JsonObject {
  const v = structuredClone(spec);
  for (const key of ['containers', 'initContainers'])
    for (const c of containers(v, key)) delete c.image;
  delete v.activeDeadlineSeconds;
  delete v.tolerations;
  delete v.terminationGracePeriodSeconds;
  return v;
}

const podStrategy: Strategy = {
  def: PODS,
  prune: (obj) => prune(obj, POD_SCHEMA),
  defaults(obj) {
    const spec = asObject(obj.spec);
    obj.spec = spec;
    spec.restartPolicy ??= 'Always';
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.schedulerName ??= 'default-scheduler';
    spec.terminationGracePeriodSeconds ??= 30;
    spec.securityContext ??= {};
    spec.enableServiceLinks ??= true;
    for (const key of ['containers', 'initContainers'])
      containers(spec, key).forEach(defaultContainer);
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: qosClass(asObject(obj.spec)) };
  },
  prepareForUpdate: keepStatus,
  validate: (obj) => [
    ...validateObjectMeta(obj.metadata, true, isDns1123Subdomain),
    ...validateContainers(asObject(obj.spec)),
  ],
  validateUpdate(obj, old) {
    const errs = [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata),
      ...validateContainers(asObject(obj.spec)),
    ];
    if (
      !deepEqual(mutablePodSpecView(asObject(obj.spec)), mutablePodSpecView(asObject(old.spec)))
    ) {
      errs.push(
        fieldErr.forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    return errs;
  },
};

const networkPolicyStrategy: Strategy = {
  def: NETWORK_POLICIES,
  prune: (obj) => prune(obj, NETWORK_POLICY_SCHEMA),
  defaults: defaultNetworkPolicy,
  prepareForCreate(obj) {
    delete obj.status;
  },
  prepareForUpdate(obj) {
    delete obj.status;
  },
  validate: validateNetworkPolicy,
  validateUpdate: (obj, old) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateNetworkPolicySpec(obj.spec),
  ],
};

export const STRATEGIES: Record<string, Strategy> = {
  namespaces: namespaceStrategy,
  pods: podStrategy,
  networkpolicies: networkPolicyStrategy,
  clusternetworkpolicies: customResourceStrategy(CLUSTER_NETWORK_POLICIES, loadCrdSchema()),
};
