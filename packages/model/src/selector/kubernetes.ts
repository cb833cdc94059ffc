/**
 * Kubernetes LabelSelectors and NetworkPolicy peers as selector expressions.
 *
 * A peer's namespace restriction becomes part of the one expression: a missing
 * namespaceSelector means "the policy's namespace" (`pal:namespace == '<ns>'`), while
 * an empty `{}` means every namespace. Namespace label keys get the `ns:` prefix.
 */
import { PalisadeError } from '../errors.js';
import { normalizeSelector, printSelector } from './printer.js';
import { NAMESPACE_LABEL_PREFIX, NAMESPACE_NAME_LABEL, SELECTOR_KEY } from './types.js';
import type { LabelSelector, SelectorExpr } from './types.js';

function invalid(field: string, message: string): PalisadeError {
  return new PalisadeError('INVALID_INPUT', `${field}: ${message}`, { fields: { field } });
}

function selectorKey(prefix: string, key: string, field: string): string {
  const full = `${prefix}${key}`;
  if (key === '' || !SELECTOR_KEY.test(full))
    throw invalid(field, `invalid label key ${JSON.stringify(key)}`);
  return full;
}

type MatchExpression = NonNullable<LabelSelector['matchExpressions']>[number];

function convertExpression(e: MatchExpression, keyPrefix: string, field: string): SelectorExpr {
  const key = selectorKey(keyPrefix, e.key, `${field}.key`);
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        throw invalid(`${field}.values`, `operator ${e.operator} needs at least one value`);
      return { op: e.operator === 'In' ? 'in' : 'notin', key, values: [...values] };
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        throw invalid(`${field}.values`, `must be empty for operator ${e.operator}`);
      return { op: e.operator === 'Exists' ? 'has' : 'nothas', key };
    default:
      throw invalid(
        `${field}.operator`,
        `unknown operator ${JSON.stringify(e.operator)} (expected In, NotIn, Exists or DoesNotExist)`,
      );
  }
}

/** `fieldPrefix` ("podSelector.") makes error fields point into the caller's object. */
function convert(sel: LabelSelector, keyPrefix: string, fieldPrefix: string): SelectorExpr {
  const terms: SelectorExpr[] = [];
  for (const [k, value] of Object.entries(sel.matchLabels ?? {}))
    terms.push({ op: 'eq', key: selectorKey(keyPrefix, k, `${fieldPrefix}matchLabels`), value });
  (sel.matchExpressions ?? []).forEach((e, i) =>
    terms.push(convertExpression(e, keyPrefix, `${fieldPrefix}matchExpressions[${i}]`)),
  );
  return normalizeSelector({ op: 'and', terms });
}

/**
 * A Kubernetes LabelSelector, with keys optionally prefixed (for namespace labels).
 * The empty selector is `all()`. Throws PalisadeError('INVALID_INPUT') naming the field.
 */
export function labelSelectorToExpr(sel: LabelSelector, keyPrefix = ''): SelectorExpr {
  return convert(sel, keyPrefix, '');
}

const inNamespace = (ns: string): SelectorExpr => ({
  op: 'eq',
  key: NAMESPACE_NAME_LABEL,
  value: ns,
});

/** The selector of a policy's own podSelector (restricted to its namespace). */
export function policySelector(
  podSelector: LabelSelector | null | undefined,
  policyNamespace: string,
): string {
  return printSelector({
    op: 'and',
    terms: [inNamespace(policyNamespace), convert(podSelector ?? {}, '', 'podSelector.')],
  });
}

/**
 * A NetworkPolicy peer (podSelector and/or namespaceSelector) as one canonical selector.
 * A missing (null/undefined) namespaceSelector means the policy's namespace; `{}`
 * means all namespaces. A peer with neither selector is invalid.
 */
export function peerSelector(
  peer: { podSelector?: LabelSelector | null; namespaceSelector?: LabelSelector | null },
  policyNamespace: string,
): string {
  const { podSelector, namespaceSelector } = peer;
  if (podSelector == null && namespaceSelector == null)
    throw invalid('podSelector', 'a peer needs a podSelector, a namespaceSelector or both');
  const nsPart =
    namespaceSelector == null
      ? inNamespace(policyNamespace)
      : convert(namespaceSelector, NAMESPACE_LABEL_PREFIX, 'namespaceSelector.');
  const podPart: SelectorExpr =
    podSelector == null ? { op: 'all' } : convert(podSelector, '', 'podSelector.');
  return printSelector({ op: 'and', terms: [nsPart, podPart] });
}
