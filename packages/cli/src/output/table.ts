import { escapeControls } from './escape.js';

/**
 * kubectl-style tables: upper-case headers, columns padded and separated by three
 * spaces. Every cell is escaped (escape.ts), so a stored value can neither drive the
 * terminal nor break a row in two.
 */
export function formatTable(headers: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(escapeControls));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [headers, ...rows].map(fmt).join('\n') + '\n';
}

/** "3s", "5m", "2h", "4d" (kubectl's AGE); "<none>" when unknown. */
export function formatAge(time: string | null | undefined, now: Date): string {
  if (!time) return '<none>';
  const ms = now.getTime() - Date.parse(time);
  if (Number.isNaN(ms)) return '<invalid>';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Labels as `k=v,k2=v2` (sorted); "<none>" when empty. */
export function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

export function orNone(s: string | null | undefined): string {
  return s === null || s === undefined || s === '' ? '<none>' : s;
}

/** Keeps table cells on one line; line breaks and other controls show as escapes. */
export function oneLine(s: string, max = 60): string {
  const flat = escapeControls(s.trim()).replace(/ +/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
