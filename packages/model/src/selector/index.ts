/**
 * The selector language (STUB: signatures are the contract; the implementation lands
 * with the model issue). See docs/selectors.md.
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
import type { Labels } from '../schema/common.js';

export const NAMESPACE_LABEL_PREFIX = 'ns:';
export const NAMESPACE_NAME_LABEL = 'pal:namespace';

export type SelectorExpr =
  | { op: 'all' }
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'has' | 'nothas'; key: string }
  | { op: 'and'; terms: SelectorExpr[] }
  | { op: 'or'; terms: SelectorExpr[] };

/** Kubernetes metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?:
    | { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string; values?: string[] | null }[]
    | null;
}

/** Parses selector text; throws PalisadeError('INVALID_INPUT') naming the position. */
export function parseSelector(_text: string): SelectorExpr {
  throw new Error('not implemented');
}
/** Canonical text: equal selectors print identically. */
export function printSelector(_expr: SelectorExpr): string {
  throw new Error('not implemented');
}
/** parse + print. */
export function canonicalSelector(_text: string): string {
  throw new Error('not implemented');
}
export function matchSelector(_expr: SelectorExpr, _labels: Labels): boolean {
  throw new Error('not implemented');
}
/** The label map a selector is evaluated against for one endpoint. */
export function selectorLabels(_podLabels: Labels, _namespace: string, _namespaceLabels: Labels): Labels {
  throw new Error('not implemented');
}
/** A Kubernetes LabelSelector, with keys optionally prefixed (for namespace labels). */
export function labelSelectorToExpr(_sel: LabelSelector, _keyPrefix?: string): SelectorExpr {
  throw new Error('not implemented');
}
/** The selector of a policy's own podSelector (restricted to its namespace). */
export function policySelector(_podSelector: LabelSelector, _policyNamespace: string): string {
  throw new Error('not implemented');
}
/** A NetworkPolicy peer (podSelector and/or namespaceSelector) as one canonical selector. */
export function peerSelector(
  _peer: { podSelector?: LabelSelector | null; namespaceSelector?: LabelSelector | null },
  _policyNamespace: string,
): string {
  throw new Error('not implemented');
}
