/**
 * What marks a thing as created by one harness run, so that a later run (or
 * `pnpm e2e cleanup`) can remove it and nothing else:
 *
 * - Kubernetes objects (namespaces, pods, NetworkPolicies) carry the label
 *   `e2e.palisade.io/owner=<prefix>harness` (e.g. `pale2e-harness`);
 * - network namespaces are named `<prefix>fabric`, `<prefix>node-<i>` or
 *   `<prefix>p-<10 hex>`, exactly; veths live only inside those namespaces;
 * - processes (etcd, relays, controller, agents, pod servers, and whatever they
 *   spawn) inherit the environment variable `PALISADE_E2E_OWNER=<owner>`.
 *
 * The owner is derived from the run's prefix alone, so runs with the same prefix
 * are the same owner (and must not run at the same time), while runs with
 * different prefixes never touch each other's things, even when one prefix
 * starts with the other.
 */

export const OWNER_LABEL = 'e2e.palisade.io/owner';
export const OWNER_ENV = 'PALISADE_E2E_OWNER';

const PREFIX_RE = /^[a-z][a-z0-9-]{0,19}$/;

/** Throws unless `prefix` makes valid netns names and a valid label value. */
export function validatePrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix))
    throw new Error(`invalid --prefix ${JSON.stringify(prefix)}: use 1-20 characters of a-z, 0-9 and '-', starting with a letter`);
}

/** The owner label value (and process marker) of a run with this prefix. */
export function ownerOf(prefix: string): string {
  validatePrefix(prefix);
  return `${prefix}harness`;
}

export function ownerSelector(prefix: string): string {
  return `${OWNER_LABEL}=${ownerOf(prefix)}`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True for the network namespaces a run with this prefix creates, and no others. */
export function ownsNetns(prefix: string, name: string): boolean {
  return new RegExp(`^${escapeRe(prefix)}(fabric|node-\\d+|p-[0-9a-f]{10})$`).test(name);
}

/** True for pod network namespaces of this prefix. */
export function isPodNetns(prefix: string, name: string): boolean {
  return new RegExp(`^${escapeRe(prefix)}p-[0-9a-f]{10}$`).test(name);
}
