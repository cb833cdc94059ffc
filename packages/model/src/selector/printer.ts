/**
 * Normalization and the canonical printer. Equal selectors must print identically
 * because the canonical text is an identity: it names the ipset of a rule's peers, so
 * two policies that select the same way share one set.
 *
 * Canonical form: nested `&&`/`||` flattened; terms deduplicated and sorted by their
 * printed text; `all()` dropped from conjunctions (an empty conjunction is `all()`)
 * and absorbing disjunctions; set values deduplicated and sorted; a one-value set
 * becomes `==` / `!=` (same meaning, including NotIn's "absent matches").
 */
import { PalisadeError } from '../errors.js';
import { SELECTOR_KEY } from './types.js';
import type { SelectorExpr } from './types.js';

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A single-quoted string; `'` and `\` are escaped with a backslash. */
export function quoteSelectorValue(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function checkKey(key: string): string {
  if (!SELECTOR_KEY.test(key))
    throw new PalisadeError('INVALID_INPUT', `invalid selector label key ${JSON.stringify(key)}`, {
      fields: { key },
    });
  return key;
}

/** Flattens, dedupes and sorts the terms of one `and`/`or` level. */
function normalizeTerms(op: 'and' | 'or', terms: SelectorExpr[]): SelectorExpr {
  const unique = new Map<string, SelectorExpr>();
  const add = (t: SelectorExpr): void => {
    unique.set(printNormalized(t), t);
  };
  for (const raw of terms) {
    const t = normalizeSelector(raw);
    if (t.op === op) t.terms.forEach(add);
    else if (t.op === 'all') {
      if (op === 'or') return { op: 'all' };
    } else add(t);
  }
  const sorted = [...unique.keys()].sort(byCodeUnits).map((k) => unique.get(k) as SelectorExpr);
  if (sorted.length === 1 && sorted[0] !== undefined) return sorted[0];
  if (sorted.length === 0) {
    if (op === 'and') return { op: 'all' };
    throw new PalisadeError('INVALID_INPUT', 'an empty disjunction has no selector syntax', {});
  }
  return { op, terms: sorted };
}

/** The canonical tree of `expr` (a fresh object; `expr` is not modified). */
export function normalizeSelector(expr: SelectorExpr): SelectorExpr {
  switch (expr.op) {
    case 'all':
      return { op: 'all' };
    case 'eq':
    case 'ne':
      return { op: expr.op, key: checkKey(expr.key), value: expr.value };
    case 'has':
    case 'nothas':
      return { op: expr.op, key: checkKey(expr.key) };
    case 'in':
    case 'notin': {
      const values = [...new Set(expr.values)].sort(byCodeUnits);
      const key = checkKey(expr.key);
      if (values.length === 1 && values[0] !== undefined)
        return { op: expr.op === 'in' ? 'eq' : 'ne', key, value: values[0] };
      return { op: expr.op, key, values };
    }
    case 'and':
    case 'or':
      return normalizeTerms(expr.op, expr.terms);
  }
}

/** Prints a tree that is already normalized. */
function printNormalized(expr: SelectorExpr): string {
  switch (expr.op) {
    case 'all':
      return 'all()';
    case 'eq':
      return `${expr.key} == ${quoteSelectorValue(expr.value)}`;
    case 'ne':
      return `${expr.key} != ${quoteSelectorValue(expr.value)}`;
    case 'in':
      return `${expr.key} in {${expr.values.map(quoteSelectorValue).join(', ')}}`;
    case 'notin':
      return `${expr.key} not in {${expr.values.map(quoteSelectorValue).join(', ')}}`;
    case 'has':
      return `has(${expr.key})`;
    case 'nothas':
      return `!has(${expr.key})`;
    case 'and':
      return expr.terms
        .map((t) => (t.op === 'or' ? `(${printNormalized(t)})` : printNormalized(t)))
        .join(' && ');
    case 'or':
      return expr.terms
        .map((t) => (t.op === 'and' ? `(${printNormalized(t)})` : printNormalized(t)))
        .join(' || ');
  }
}

/** Canonical text: equal selectors print identically. */
export function printSelector(expr: SelectorExpr): string {
  return printNormalized(normalizeSelector(expr));
}
