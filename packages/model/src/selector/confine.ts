/**
 * Containment of namespaced policies: the one place that decides which endpoints a
 * stored policy may select, shared by the agent (enforcement) and palisadectl
 * (explain, describe), so that what is shown is what is enforced.
 *
 * A namespaced policy only ever selects endpoints of the namespace in its own etcd
 * key. Whatever its stored selector says, it is ANDed with `pal:namespace == <ns>`;
 * a selector that already starts with that term is kept as written, so policies the
 * controller writes keep their canonical text. A selector that cannot be parsed
 * selects the whole namespace: isolating too much is safe, isolating nothing would
 * widen access.
 */
import { parseSelector } from './parser.js';
import { printSelector } from './printer.js';
import { NAMESPACE_NAME_LABEL, type SelectorExpr } from './types.js';
import { errorMessage } from '../errors.js';

export interface PolicySubject {
  /** Canonical text of the effective selector. */
  readonly text: string;
  readonly expr: SelectorExpr;
  /** Set when the stored selector could not be parsed (the whole namespace is selected). */
  readonly error?: string;
}

/** The selector of every endpoint in `namespace`. */
export function namespaceExpr(namespace: string): SelectorExpr {
  return { op: 'eq', key: NAMESPACE_NAME_LABEL, value: namespace };
}

function confines(expr: SelectorExpr, namespace: string): boolean {
  const isTerm = (t: SelectorExpr): boolean =>
    t.op === 'eq' && t.key === NAMESPACE_NAME_LABEL && t.value === namespace;
  return isTerm(expr) || (expr.op === 'and' && expr.terms.some(isTerm));
}

/** The endpoints a policy stored under `namespace` with `selector` applies to. */
export function policySubject(namespace: string, selector: string): PolicySubject {
  let parsed: SelectorExpr;
  try {
    parsed = parseSelector(selector);
  } catch (err) {
    const expr = namespaceExpr(namespace);
    return { text: printSelector(expr), expr, error: errorMessage(err) };
  }
  const expr: SelectorExpr = confines(parsed, namespace)
    ? parsed
    : { op: 'and', terms: [namespaceExpr(namespace), parsed] };
  return { text: printSelector(expr), expr };
}
