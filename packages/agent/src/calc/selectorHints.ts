/**
 * Index hints: the labels of which an endpoint must carry at least one for a selector
 * to match. They let the LabelIndex evaluate only plausible selectors for an endpoint,
 * and only plausible endpoints for a new selector, instead of every pair.
 */
import { NAMESPACE_NAME_LABEL, type SelectorExpr } from '@palisade/model';

/** A label an endpoint may carry: this key with this value, or (null) with any value. */
export type LabelHint = readonly [key: string, value: string | null];

const anyValue = (h: LabelHint[]): boolean => h.some(([, v]) => v === null);

/**
 * Exact pairs beat key-only hints (`has()`: every value of the key), then fewer is more
 * selective; a namespace pair wins ties (namespaces are many and small).
 */
function better(a: LabelHint[], b: LabelHint[]): boolean {
  if (anyValue(a) !== anyValue(b)) return !anyValue(a);
  if (a.length !== b.length) return a.length < b.length;
  const ns = (h: LabelHint[]): boolean => h.every(([k]) => k === NAMESPACE_NAME_LABEL);
  return ns(a) && !ns(b);
}

/** null: no hint, any endpoint might match. */
export function selectorHint(expr: SelectorExpr): LabelHint[] | null {
  switch (expr.op) {
    case 'eq':
      return [[expr.key, expr.value]];
    case 'in':
      return expr.values.map((v) => [expr.key, v] as const);
    case 'has':
      return [[expr.key, null]];
    case 'and': {
      let best: LabelHint[] | null = null;
      for (const term of expr.terms) {
        const h = selectorHint(term);
        if (h !== null && (best === null || better(h, best))) best = h;
      }
      return best;
    }
    case 'or': {
      const all = new Map<string, LabelHint>();
      for (const term of expr.terms) {
        const h = selectorHint(term);
        if (h === null) return null;
        for (const p of h) all.set(JSON.stringify(p), p);
      }
      return [...all.values()];
    }
    case 'all':
    case 'ne':
    case 'notin':
    case 'nothas':
      return null;
  }
}
