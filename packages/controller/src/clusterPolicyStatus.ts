/**
 * The `Accepted` condition Palisade reports on a ClusterNetworkPolicy. Pure.
 *
 *   True   Accepted      translated as written; the node agents enforce it.
 *   False  Invalid       spec.error: it could not be translated, so each direction it
 *                        has rules in denies all traffic (the message names the field).
 *   False  FailClosed    some rules use peers or protocols Palisade does not support
 *                        (or cannot read): each such rule fails closed, one line each.
 *
 * Only the `Accepted` entry is ours: other conditions in the list (another
 * implementation's) are kept as they are. `lastTransitionTime` moves only when the
 * status flips, as the metav1.Condition contract asks.
 */
import type { ClusterPolicy } from '@palisade/model';
import type { KCondition } from './translate/index.js';

export const ACCEPTED_CONDITION = 'Accepted';
/** metav1.Condition limits the message to 32 768 characters. */
const MAX_MESSAGE = 32_768;

export type DesiredCondition = Omit<KCondition, 'lastTransitionTime'>;

function clip(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`;
}

export function acceptedCondition(policy: ClusterPolicy, generation: number | undefined): DesiredCondition {
  const { error, warnings } = policy.spec;
  const base = generation === undefined ? {} : { observedGeneration: generation };
  if (error)
    return {
      type: ACCEPTED_CONDITION,
      status: 'False',
      reason: 'Invalid',
      message: clip(
        `${error.field}: ${error.message}. The policy cannot be translated: it denies all traffic in each direction it has rules for.`,
      ),
      ...base,
    };
  if (warnings.length > 0)
    return {
      type: ACCEPTED_CONDITION,
      status: 'False',
      reason: 'FailClosed',
      message: clip(warnings.join('\n')),
      ...base,
    };
  return {
    type: ACCEPTED_CONDITION,
    status: 'True',
    reason: 'Accepted',
    message: 'Translated; the Palisade node agents enforce it.',
    ...base,
  };
}

export function findCondition(conditions: unknown, type: string): KCondition | undefined {
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as unknown[]).find(
    (c): c is KCondition => typeof c === 'object' && c !== null && (c as { type?: unknown }).type === type,
  );
}

/** True when `current` already says what `desired` says (time aside). */
export function sameCondition(current: KCondition | undefined, desired: DesiredCondition): boolean {
  return (
    current !== undefined &&
    current.status === desired.status &&
    current.reason === desired.reason &&
    current.message === desired.message &&
    current.observedGeneration === desired.observedGeneration
  );
}

/** The conditions list with ours replaced (or added); every other entry kept, in order. */
export function withCondition(conditions: unknown, desired: DesiredCondition, now: string): KCondition[] {
  const list = Array.isArray(conditions) ? (conditions as KCondition[]) : [];
  const current = findCondition(list, desired.type);
  const lastTransitionTime =
    current && current.status === desired.status && typeof current.lastTransitionTime === 'string'
      ? current.lastTransitionTime
      : now;
  const next: KCondition = { ...desired, lastTransitionTime };
  return current ? list.map((c) => (c === current ? next : c)) : [...list, next];
}

/** metav1.Time: RFC 3339 in seconds. */
export function conditionTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
