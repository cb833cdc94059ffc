/** Evaluation of a selector against the labels an endpoint presents. */
import type { Labels } from '../schema/common.js';
import { NAMESPACE_LABEL_PREFIX, NAMESPACE_NAME_LABEL } from './types.js';
import type { SelectorExpr } from './types.js';

/** Own-property lookup: a label named `constructor` must not find Object.prototype's. */
function get(labels: Labels, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

/**
 * `!=` and `not in` match when the label is absent (Kubernetes NotIn semantics);
 * `==` and `in` need the label present.
 */
export function matchSelector(expr: SelectorExpr, labels: Labels): boolean {
  switch (expr.op) {
    case 'all':
      return true;
    case 'eq':
      return get(labels, expr.key) === expr.value;
    case 'ne':
      return get(labels, expr.key) !== expr.value;
    case 'in': {
      const v = get(labels, expr.key);
      return v !== undefined && expr.values.includes(v);
    }
    case 'notin': {
      const v = get(labels, expr.key);
      return v === undefined || !expr.values.includes(v);
    }
    case 'has':
      return get(labels, expr.key) !== undefined;
    case 'nothas':
      return get(labels, expr.key) === undefined;
    case 'and':
      return expr.terms.every((t) => matchSelector(t, labels));
    case 'or':
      return expr.terms.some((t) => matchSelector(t, labels));
  }
}

/** Kleene truth: `unknown` when the answer depends on labels that cannot be read. */
export type SelectorTruth = boolean | 'unknown';

/**
 * Three-valued evaluation: every term on a key for which `isUnknown` holds is
 * `unknown`, whatever its operator, and `&&`/`||` combine by Kleene logic. Callers pick
 * the safe reading: a peer (an allow) matches only on `true`; a subject (isolation)
 * is isolated unless the answer is `false`.
 */
export function evaluateSelector(
  expr: SelectorExpr,
  labels: Labels,
  isUnknown: (key: string) => boolean,
): SelectorTruth {
  switch (expr.op) {
    case 'all':
      return true;
    case 'and': {
      let out: SelectorTruth = true;
      for (const t of expr.terms) {
        const v = evaluateSelector(t, labels, isUnknown);
        if (v === false) return false;
        if (v === 'unknown') out = 'unknown';
      }
      return out;
    }
    case 'or': {
      let out: SelectorTruth = false;
      for (const t of expr.terms) {
        const v = evaluateSelector(t, labels, isUnknown);
        if (v === true) return true;
        if (v === 'unknown') out = 'unknown';
      }
      return out;
    }
    case 'eq':
    case 'ne':
    case 'in':
    case 'notin':
    case 'has':
    case 'nothas':
      return isUnknown(expr.key) ? 'unknown' : matchSelector(expr, labels);
  }
}

/** Keys whose labels are derived by Palisade, never taken from a pod's own labels. */
export function isReservedLabelKey(key: string): boolean {
  return key.startsWith(NAMESPACE_LABEL_PREFIX) || key.startsWith('pal:');
}

/**
 * The label map a selector is evaluated against for one endpoint: the pod's labels,
 * the namespace's labels under `ns:`, and `pal:namespace`. Kubernetes label keys
 * cannot contain ':', so the reserved names never collide with pod labels; a stored
 * endpoint that carries one anyway cannot use it to pose as another namespace.
 */
export function selectorLabels(
  podLabels: Labels,
  namespace: string,
  namespaceLabels: Labels,
): Labels {
  return Object.fromEntries([
    ...Object.entries(podLabels).filter(
      ([k]) => !k.startsWith(NAMESPACE_LABEL_PREFIX) && k !== NAMESPACE_NAME_LABEL,
    ),
    ...Object.entries(namespaceLabels).map(
      ([k, v]) => [`${NAMESPACE_LABEL_PREFIX}${k}`, v] as const,
    ),
    [NAMESPACE_NAME_LABEL, namespace],
  ]);
}

/** Every label key the selector reads (sorted, unique): useful for indexing. */
export function selectorKeys(expr: SelectorExpr): string[] {
  const keys = new Set<string>();
  const walk = (e: SelectorExpr): void => {
    if (e.op === 'and' || e.op === 'or') e.terms.forEach(walk);
    else if (e.op !== 'all') keys.add(e.key);
  };
  walk(expr);
  return [...keys].sort();
}
