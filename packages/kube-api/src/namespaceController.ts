/**
 * The namespace lifecycle of a real cluster: DELETE on a namespace only marks it
 * (`deletionTimestamp`, phase `Terminating`); the namespace controller then deletes
 * its contents with default options, and once nothing is left it drops the
 * `kubernetes` finalizer from `spec.finalizers` and removes the namespace.
 *
 * Contents are deleted the way the real controller deletes them, so a pod bound to a
 * node is deleted gracefully and keeps the namespace `Terminating` until someone
 * finishes the pod's deletion (with a kubelet: when its containers stopped; here,
 * a DELETE with grace period 0). Clients that delete a namespace must therefore
 * wait until it is gone, and must not assume bound pods vanish by themselves.
 *
 * The controller runs on a timer while any namespace is terminating; each pass is
 * idempotent (repeated DELETEs of marked objects change nothing).
 */
import { NAMESPACES, RESOURCES } from './resources.js';
import type { Registry } from './registry.js';
import { asObject, type KubeObject } from './types.js';

const FINALIZER = 'kubernetes';

export function isTerminating(ns: KubeObject | undefined): boolean {
  return asObject(ns?.status).phase === 'Terminating';
}

export class NamespaceController {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly intervalMs = 50,
  ) {}

  /** Schedules a pass (called when a namespace starts terminating). */
  kick(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.sweep() && !this.stopped) this.kick();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One pass over every terminating namespace; true while some still wait. */
  sweep(): boolean {
    const store = this.registry.store;
    let waiting = false;
    for (const ns of store.list(NAMESPACES.plural).filter(isTerminating)) {
      const name = ns.metadata.name ?? '';
      let remaining = 0;
      for (const def of RESOURCES.filter((d) => d.namespaced)) {
        for (const o of store.list(def.plural, name)) {
          this.registry.delete(def, name, o.metadata.name ?? '', {});
          if (store.get(def.plural, name, o.metadata.name ?? '')) remaining++;
        }
      }
      if (remaining > 0) {
        waiting = true;
        continue;
      }
      this.finalize(ns);
    }
    return waiting;
  }

  private finalize(ns: KubeObject): void {
    const store = this.registry.store;
    const spec = asObject(ns.spec);
    const specFinalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
    const name = ns.metadata.name ?? '';
    if (specFinalizers.includes(FINALIZER)) {
      ns.spec = { ...spec, finalizers: specFinalizers.filter((f) => f !== FINALIZER) };
      store.put(NAMESPACES.plural, ns);
    }
    const metaFinalizers = Array.isArray(ns.metadata.finalizers) ? ns.metadata.finalizers : [];
    const rest = asObject(store.get(NAMESPACES.plural, undefined, name)?.spec).finalizers;
    if (metaFinalizers.length === 0 && (!Array.isArray(rest) || rest.length === 0))
      store.delete(NAMESPACES.plural, undefined, name);
  }
}
