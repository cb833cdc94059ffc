/**
 * Index hints: the label pairs of which an endpoint must carry at least one for a
 * selector to match. They let the LabelIndex evaluate only plausible selectors for an
 * endpoint, and only plausible endpoints for a new selector, instead of every pair.
 */
import { NAMESPACE_NAME_LABEL, type Labels, type SelectorExpr } from '@palisade/model';

/** One label pair as a map key. NUL cannot appear in a label key. */
export function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

export function labelPairs(labels: Labels): string[] {
  return Object.entries(labels).map(([k, v]) => pairKey(k, v));
}

/** Fewer pairs is more selective; a namespace pair wins ties (namespaces are many and small). */
function better(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  const ns = (h: string[]): boolean => h.every((p) => p.startsWith(`${NAMESPACE_NAME_LABEL}\u0000`));
  return ns(a) && !ns(b);
}

/** null: no hint, any endpoint might match. */
export function selectorHint(expr: SelectorExpr): string[] | null {
  switch (expr.op) {
    case 'eq':
      return [pairKey(expr.key, expr.value)];
    case 'in':
      return expr.values.map((v) => pairKey(expr.key, v));
    case 'and': {
      let best: string[] | null = null;
      for (const term of expr.terms) {
        const h = selectorHint(term);
        if (h !== null && (best === null || better(h, best))) best = h;
      }
      return best;
    }
    case 'or': {
      const all = new Set<string>();
      for (const term of expr.terms) {
        const h = selectorHint(term);
        if (h === null) return null;
        h.forEach((p) => all.add(p));
      }
      return [...all];
    }
    case 'all':
    case 'ne':
    case 'notin':
    case 'has':
    case 'nothas':
      return null;
  }
}
