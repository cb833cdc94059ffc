/**
 * What a DELETE does to an object, as the real generic registry decides it
 * (rest.BeforeDelete, the pod strategy's CheckGracefulDelete, and the store's
 * finalizer handling):
 *
 * - A pod bound to a node (`spec.nodeName`) that has not terminated is deleted
 *   gracefully: it gets `deletionTimestamp` (now + grace) and
 *   `deletionGracePeriodSeconds`, and stays until someone deletes it again with a
 *   shorter grace period — on a real cluster the kubelet does that with 0 once the
 *   containers stopped. No kubelet runs here, so a bound pod deleted with the
 *   default grace period stays marked, exactly as on a real server without kubelets.
 * - An object with finalizers is only marked (grace 0); it goes once an update
 *   removes the last finalizer.
 * - Anything else goes at once.
 * A repeated DELETE may only shorten a pending grace period.
 */
import { PODS, type ResourceDef } from './resources.js';
import { asObject, clone, isObject, type JsonObject, type KubeObject } from './types.js';

export type DeleteDecision =
  { action: 'remove' } | { action: 'mark'; object: KubeObject } | { action: 'pending' };

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function finalizers(o: KubeObject): unknown[] {
  const f = o.metadata.finalizers;
  return Array.isArray(f) ? f : [];
}

/** DeleteOptions from the query (`?gracePeriodSeconds=0`) overlaid with the body's. */
export function deleteOptions(q: URLSearchParams, body: unknown): JsonObject {
  const opts: JsonObject = {};
  const grace = q.get('gracePeriodSeconds');
  if (grace !== null && /^-?\d+$/.test(grace)) opts.gracePeriodSeconds = Number(grace);
  return { ...opts, ...(isObject(body) ? body : {}) };
}

function requestedGrace(options: JsonObject): number | undefined {
  const g = options.gracePeriodSeconds;
  return typeof g === 'number' && Number.isInteger(g) ? Math.max(0, g) : undefined;
}

/** The grace period a first DELETE gives this object (0: no graceful deletion). */
function gracePeriod(def: ResourceDef, old: KubeObject, options: JsonObject): number {
  if (def !== PODS) return 0;
  const spec = asObject(old.spec);
  const phase = asObject(old.status).phase;
  if (!spec.nodeName || phase === 'Failed' || phase === 'Succeeded') return 0;
  const fromSpec = spec.terminationGracePeriodSeconds;
  return requestedGrace(options) ?? (typeof fromSpec === 'number' ? fromSpec : 30);
}

function marked(old: KubeObject, graceSeconds: number, deleteAtMs: number): KubeObject {
  const next = clone(old);
  next.metadata.deletionTimestamp = timestamp(deleteAtMs);
  next.metadata.deletionGracePeriodSeconds = graceSeconds;
  return next;
}

export function planDelete(
  def: ResourceDef,
  old: KubeObject,
  options: JsonObject,
  nowMs = Date.now(),
): DeleteDecision {
  const meta = old.metadata;
  const hasFinalizers = finalizers(old).length > 0;
  if (typeof meta.deletionTimestamp === 'string') {
    const current =
      typeof meta.deletionGracePeriodSeconds === 'number' ? meta.deletionGracePeriodSeconds : 0;
    const requested = requestedGrace(options);
    if (current === 0) return hasFinalizers ? { action: 'pending' } : { action: 'remove' };
    if (requested === undefined || requested >= current) return { action: 'pending' };
    if (requested === 0 && !hasFinalizers) return { action: 'remove' };
    const start = Date.parse(meta.deletionTimestamp) - current * 1000;
    return { action: 'mark', object: marked(old, requested, start + requested * 1000) };
  }
  const grace = gracePeriod(def, old, options);
  if (grace > 0) {
    const object = marked(old, grace, nowMs + grace * 1000);
    if (typeof meta.generation === 'number') object.metadata.generation = meta.generation + 1;
    return { action: 'mark', object };
  }
  return hasFinalizers ? { action: 'mark', object: marked(old, 0, nowMs) } : { action: 'remove' };
}

/** After an update: a finalizer-held deletion completes once the last finalizer is gone. */
export function finalizedByUpdate(next: KubeObject, old: KubeObject): boolean {
  return (
    typeof old.metadata.deletionTimestamp === 'string' &&
    old.metadata.deletionGracePeriodSeconds === 0 &&
    finalizers(next).length === 0
  );
}
