/**
 * REST semantics over the ObjectStore: what create, update, patch, delete and the
 * status subresource do to an object, in the order the real generic registry does
 * it (decode → defaults → strategy prepare → validate → preconditions → write).
 * A write whose result equals the stored object is a no-op and keeps the old
 * resourceVersion, as in the real server, so idempotent applies cause no events.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { finalizedByUpdate, planDelete } from './deletion.js';
import { enforceFieldValidation, type FieldValidation } from './fieldValidation.js';
import { isTerminating } from './namespaceController.js';
import { jsonPatch, mergePatch, strategicMerge } from './patch.js';
import { NAMESPACES, apiVersionOf, type ResourceDef } from './resources.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  namespaceTerminating,
  notFound,
  unsupportedMediaType,
} from './status.js';
import type { ObjectStore } from './store.js';
import { STRATEGIES, type Strategy } from './strategies.js';
import { clone, deepEqual, isObject, toKubeObject, type KubeObject } from './types.js';

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: 'status' | undefined;
  /** What to do with unknown and duplicate fields; absent: drop them silently. */
  fieldValidation?: FieldValidation | undefined;
  /** Where Warn puts its texts (the handler sends them as Warning headers). */
  warnings?: string[] | undefined;
  /** Duplicate keys the handler found in the JSON body. */
  duplicateFields?: string[] | undefined;
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++)
    s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)] ?? 'x';
  return s;
}

function withoutRv(o: KubeObject): KubeObject {
  const c = clone(o);
  delete c.metadata.resourceVersion;
  return c;
}

export class Registry {
  /** Called when a namespace starts terminating (the namespace controller's cue). */
  onNamespaceTerminating: () => void = () => {};

  constructor(readonly store: ObjectStore) {}

  get(def: ResourceDef, ns: string | undefined, name: string): KubeObject {
    const o = this.store.get(def.plural, ns, name);
    if (!o) throw notFound(def, name);
    return o;
  }

  create(
    def: ResourceDef,
    ns: string | undefined,
    body: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    const obj = this.decode(def, body, opts);
    const meta = obj.metadata;
    if (def.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = ns ?? meta.namespace;
    } else if (!meta.namespace) delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (meta.resourceVersion)
      throw badRequest('resourceVersion should not be set on objects to be created');
    for (const f of [
      'uid',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'managedFields',
    ] as const)
      delete meta[f];
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (def.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    const s = this.strategy(def);
    s.defaults(obj);
    s.prepareForCreate(obj);
    const errs = s.validate(obj);
    if (errs.length > 0) throw invalid(def, meta.name ?? '', errs);
    if (def.namespaced) {
      const owner = this.store.get(NAMESPACES.plural, undefined, meta.namespace ?? '');
      if (!owner) throw notFound(NAMESPACES, meta.namespace ?? '');
      if (isTerminating(owner))
        throw namespaceTerminating(def, meta.name ?? '', meta.namespace ?? '');
    }
    if (this.store.get(def.plural, meta.namespace, meta.name ?? ''))
      throw alreadyExists(def, meta.name ?? '');
    return opts.dryRun ? obj : this.store.put(def.plural, obj);
  }

  update(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    const obj = this.decode(def, body, opts);
    if (obj.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`,
      );
    }
    if (def.namespaced) obj.metadata.namespace ??= ns;
    const old = this.get(def, ns, name);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw conflict(def, name);
    let next: KubeObject;
    const s = this.strategy(def);
    if (opts.subresource === 'status') {
      next = clone(old);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
      s.defaults(next);
    } else {
      next = obj;
      const meta = next.metadata;
      meta.uid ??= old.metadata.uid;
      // Clients re-encode timestamps (client-node adds milliseconds); equal instants are the same value.
      const ct = meta.creationTimestamp;
      if (ct === undefined || Date.parse(ct) === Date.parse(old.metadata.creationTimestamp ?? '')) {
        meta.creationTimestamp = old.metadata.creationTimestamp;
      }
      // Deletion state is the server's: a client can neither set nor clear it.
      for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
        if (old.metadata[f] === undefined) delete meta[f];
        else meta[f] = old.metadata[f];
      }
      s.defaults(next);
      s.prepareForUpdate(next, old);
      if (def.hasGeneration) {
        const gen = old.metadata.generation ?? 1;
        meta.generation = deepEqual(next.spec, old.spec) ? gen : gen + 1;
      } else delete meta.generation;
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    const errs = s.validateUpdate(next, old);
    if (errs.length > 0) throw invalid(def, name, errs);
    if (deepEqual(withoutRv(next), withoutRv(old))) return old;
    if (opts.dryRun) return next;
    const stored = this.store.put(def.plural, next);
    if (def !== NAMESPACES && finalizedByUpdate(stored, old))
      this.store.delete(def.plural, ns, name);
    return stored;
  }

  patch(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    req: { contentType: string; body: string },
    opts: WriteOptions = {},
  ): KubeObject {
    const type = req.contentType.split(';')[0]?.trim() ?? '';
    if (type === 'application/apply-patch+yaml') return this.apply(def, ns, name, req.body, opts);
    const old = this.get(def, ns, name);
    const patch = parseJson(req.body);
    let result: unknown;
    if (type === 'application/merge-patch+json') result = mergePatch(old, patch);
    else if (type === 'application/strategic-merge-patch+json' && !def.custom)
      result = strategicMerge(old, patch);
    else if (type === 'application/json-patch+json') result = jsonPatch(old, patch);
    else throw unsupportedMediaType(type, def.custom === true);
    const next = toKubeObject(result);
    next.metadata.name ??= name;
    return this.update(def, ns, name, next, opts);
  }

  delete(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    const old = this.get(def, ns, name);
    const pre = isObject(body) && isObject(body.preconditions) ? body.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid !== old.metadata.uid) {
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    if (
      typeof pre.resourceVersion === 'string' &&
      pre.resourceVersion !== old.metadata.resourceVersion
    ) {
      throw conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`,
      );
    }
    if (def === NAMESPACES) return this.deleteNamespace(old, opts);
    const plan = planDelete(def, old, isObject(body) ? body : {});
    if (opts.dryRun || plan.action === 'pending') return plan.action === 'mark' ? plan.object : old;
    if (plan.action === 'mark') return this.store.put(def.plural, plan.object);
    return this.store.delete(def.plural, ns, name) ?? old;
  }

  /** Marks the namespace Terminating; the NamespaceController empties and removes it. */
  private deleteNamespace(old: KubeObject, opts: WriteOptions): KubeObject {
    if (isTerminating(old)) return old;
    const next = clone(old);
    next.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { ...(isObject(old.status) ? old.status : {}), phase: 'Terminating' };
    if (opts.dryRun) return next;
    const stored = this.store.put(NAMESPACES.plural, next);
    this.onNamespaceTerminating();
    return stored;
  }

  /** Stores an object as given (metadata stamped), skipping defaults and validation. */
  injectRaw(def: ResourceDef, body: unknown): KubeObject {
    const obj = toKubeObject(clone(body));
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    const meta = obj.metadata;
    const old = this.store.get(def.plural, meta.namespace, meta.name ?? '');
    meta.uid = old?.metadata.uid ?? meta.uid ?? randomUUID();
    meta.creationTimestamp =
      old?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (def.hasGeneration) meta.generation = (old?.metadata.generation ?? 0) + 1;
    return this.store.put(def.plural, obj);
  }

  private apply(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    body: string,
    opts: WriteOptions,
  ): KubeObject {
    // Server-side apply, simplified: no managedFields; create if absent, else strategic-merge the config.
    const applied = toKubeObject(parseYaml(body) as unknown);
    const old = this.store.get(def.plural, ns, name);
    if (!old) return this.create(def, ns, applied, opts);
    const next = toKubeObject(strategicMerge(old, applied));
    next.metadata.resourceVersion =
      applied.metadata.resourceVersion ?? old.metadata.resourceVersion;
    return this.update(def, ns, name, next, opts);
  }

  /** Decodes like the real codec: checks apiVersion and kind, drops unknown fields. */
  private decode(def: ResourceDef, body: unknown, opts: WriteOptions): KubeObject {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
    const obj = toKubeObject(clone(body));
    const apiVersion = apiVersionOf(def);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== def.kind) {
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`,
      );
    }
    const unknown = this.strategy(def).prune(obj);
    enforceFieldValidation(def, { duplicate: opts.duplicateFields ?? [], unknown }, opts);
    obj.apiVersion = apiVersion;
    obj.kind = def.kind;
    return obj;
  }

  private strategy(def: ResourceDef): Strategy {
    const s = STRATEGIES[def.plural];
    if (!s) throw new Error(`no strategy for ${def.plural}`);
    return s;
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(
      `error decoding request body: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
