/**
 * Index hints: the label pairs of which an endpoint must carry at least one for a
 * selector to match. They let the LabelIndex evaluate only plausible selectors for an
 * endpoint, and only plausible endpoints for a new selector, instead of every pair.
 */
import { NAMESPACE_NAME_LABEL, type SelectorExpr } from '@palisade/model';

export type LabelPair = readonly [key: string, value: string];

/** Fewer pairs is more selective; a namespace pair wins ties (namespaces are many and small). */
function better(a: LabelPair[], b: LabelPair[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  const ns = (h: LabelPair[]): boolean => h.every(([k]) => k === NAMESPACE_NAME_LABEL);
  return ns(a) && !ns(b);
}

/** null: no hint, any endpoint might match. */
export function selectorHint(expr: SelectorExpr): LabelPair[] | null {
  switch (expr.op) {
    case 'eq':
      return [[expr.key, expr.value]];
    case 'in':
      return expr.values.map((v) => [expr.key, v] as const);
    case 'and': {
      let best: LabelPair[] | null = null;
      for (const term of expr.terms) {
        const h = selectorHint(term);
        if (h !== null && (best === null || better(h, best))) best = h;
      }
      return best;
    }
    case 'or': {
      const all = new Map<string, LabelPair>();
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
    case 'has':
    case 'nothas':
      return null;
  }
}
