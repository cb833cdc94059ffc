import { PalisadeError, isPalisadeError } from '@palisade/model';

/** Thrown inside translation to reject one field; caught by the translator's entry point. */
export function fieldError(field: string, message: string): never {
  throw new PalisadeError('INVALID_INPUT', message, { fields: { field } });
}

/**
 * Runs `fn` (a selector-module call); its errors are attributed to `field`. The
 * selector module names fields relative to the object it was given
 * (`podSelector.matchLabels`): those are placed under `base`.
 */
export function atField<T>(at: { field: string; base: string }, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (isPalisadeError(err) && typeof err.fields.field === 'string' && err.fields.field !== '')
      return fieldError(`${at.base}.${err.fields.field}`, message);
    return fieldError(at.field, message);
  }
}

export function errorField(err: unknown): { field: string; message: string } | null {
  if (isPalisadeError(err) && typeof err.fields.field === 'string')
    return { field: err.fields.field, message: err.message };
  return null;
}
