/**
 * The selector language. See docs/selectors.md.
 *
 * Grammar (Calico-like):
 *   expr   := or
 *   or     := and ( '||' and )*
 *   and    := unary ( '&&' unary )*
 *   unary  := '!' 'has(' key ')' | 'has(' key ')' | 'all()' | '(' expr ')'
 *           | key '==' str | key '!=' str | key 'in' '{' strs '}' | key 'not' 'in' '{' strs '}'
 *   key    := [A-Za-z0-9._/:-]+      str := '...' or "..." (backslash escapes)
 *
 * Labels seen by a selector are the endpoint's own labels, plus its namespace's labels
 * under NAMESPACE_LABEL_PREFIX, plus NAMESPACE_NAME_LABEL = the namespace name.
 */
import { parseSelector } from './parser.js';
import { printSelector } from './printer.js';

export * from './types.js';
export { parseSelector } from './parser.js';
export { normalizeSelector, printSelector, quoteSelectorValue } from './printer.js';
export {
  evaluateSelector,
  isReservedLabelKey,
  matchSelector,
  selectorKeys,
  selectorLabels,
  type SelectorTruth,
} from './matcher.js';
export { namespaceExpr, policySubject, type PolicySubject } from './confine.js';
export { labelSelectorToExpr, peerSelector, policySelector } from './kubernetes.js';

/** parse + print: the canonical text of a selector. */
export function canonicalSelector(text: string): string {
  return printSelector(parseSelector(text));
}
