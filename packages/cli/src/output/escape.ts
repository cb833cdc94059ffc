/**
 * Terminal safety for everything palisadectl prints for humans. Stored strings (label
 * keys and values, names, selectors, error messages, agent status fields) come from
 * etcd, which anyone with write access can fill with terminal control sequences: ESC
 * sequences set the window title or clear the screen, CR and LF forge whole lines
 * ("all agents healthy"), and bidi overrides reorder what is shown. Every human output
 * path passes its text through `escapeControls`, which makes each such character
 * visible (`\x1b`, `\n`, `\u202e`) instead of interpreting it.
 *
 * The escape is idempotent (a backslash is left as is), so text escaped once (a
 * table cell) can be escaped again as part of a line without doubling.
 *
 * -o json and -o yaml stay exact: `escapeJsonText` / `escapeYamlText` only rewrite
 * the characters their encoders leave raw into the format's own escapes, so the
 * documents still decode to exactly what is stored.
 */

/** C0 controls, DEL, C1 controls, and the Unicode bidi controls and line separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same set without the C0 controls, which JSON and YAML encoders escape themselves. */
const RAW_AFTER_ENCODING = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** `\x1b`, `\x9b` for C0, DEL and C1; `\u202e` for the rest. */
function visible(c: string): string {
  return NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`);
}

/** Whether `s` holds a character `escapeControls` would rewrite. */
export function hasControls(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s);
}

/** The one escape for human output: every control character made visible. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, visible);
}

/** Text of several lines we composed: each line escaped, the line breaks kept. */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}

/** JSON text: the characters JSON.stringify leaves raw become `\uXXXX` (same value). */
export function escapeJsonText(json: string): string {
  return json.replace(RAW_AFTER_ENCODING, (c) => `\\u${hex(c, 4)}`);
}

/**
 * YAML text whose strings holding such characters were emitted double-quoted: the
 * characters the encoder leaves raw become `\xXX` / `\uXXXX` (same value).
 */
export function escapeYamlText(yaml: string): string {
  return yaml.replace(RAW_AFTER_ENCODING, (c) => (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}
