/**
 * Kubernetes LabelSelectors → canonical selector strings. The selector module does the
 * conversion; this file checks the LabelSelector's shape first, so that an error names
 * the exact field (`spec.podSelector.matchExpressions[1].operator`).
 */
import { peerSelector, policySelector, type LabelSelector } from '@palisade/model';
import { atField, fieldError } from './fieldError.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkLabelSelector(sel: unknown, field: string): LabelSelector {
  if (sel === null || sel === undefined) return {};
  if (!isRecord(sel)) return fieldError(field, 'must be a label selector object');
  const { matchLabels, matchExpressions } = sel;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) return fieldError(`${field}.matchLabels`, 'must be a map of strings');
    for (const [k, v] of Object.entries(matchLabels))
      if (typeof v !== 'string') fieldError(`${field}.matchLabels[${k}]`, 'must be a string');
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return fieldError(`${field}.matchExpressions`, 'must be a list');
    matchExpressions.forEach((e: unknown, i) => checkExpression(e, `${field}.matchExpressions[${i}]`));
  }
  return sel;
}

function checkExpression(e: unknown, field: string): void {
  if (!isRecord(e)) return fieldError(field, 'must be an object');
  if (typeof e.key !== 'string' || e.key === '') fieldError(`${field}.key`, 'must be a non-empty string');
  const op = e.operator;
  if (typeof op !== 'string' || !OPERATORS.has(op))
    fieldError(`${field}.operator`, `unknown operator ${JSON.stringify(op)}: must be In, NotIn, Exists or DoesNotExist`);
  const values: unknown = e.values ?? [];
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))
    fieldError(`${field}.values`, 'must be a list of strings');
  if ((op === 'In' || op === 'NotIn') && values.length === 0)
    fieldError(`${field}.values`, `must be non-empty for operator ${op}`);
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0)
    fieldError(`${field}.values`, `must be empty for operator ${op}`);
}

export function translatePodSelector(sel: unknown, namespace: string): string {
  const checked = checkLabelSelector(sel, 'spec.podSelector');
  return atField({ field: 'spec.podSelector', base: 'spec' }, () => policySelector(checked, namespace));
}

export function translatePeerSelector(
  peer: { podSelector?: unknown; namespaceSelector?: unknown },
  namespace: string,
  field: string,
): string {
  const podSelector =
    peer.podSelector === undefined || peer.podSelector === null
      ? null
      : checkLabelSelector(peer.podSelector, `${field}.podSelector`);
  const namespaceSelector =
    peer.namespaceSelector === undefined || peer.namespaceSelector === null
      ? null
      : checkLabelSelector(peer.namespaceSelector, `${field}.namespaceSelector`);
  return atField({ field, base: field }, () => peerSelector({ podSelector, namespaceSelector }, namespace));
}
