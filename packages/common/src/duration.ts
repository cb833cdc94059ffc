/**
 * Durations on every Palisade command line: `500ms`, `2s`, `1.5s`, `1m`. A bare number
 * means seconds everywhere (controller, agent and palisadectl agree). Returns
 * milliseconds, or null when the text is not a duration; callers word the error.
 */
export function parseDurationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m?.[1]) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n);
}
