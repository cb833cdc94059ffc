/**
 * The `fieldValidation` query parameter of create, update and patch (GA in 1.27):
 * what happens to fields decoding drops (unknown ones) or collapses (duplicate JSON
 * keys). Strict fails the request with 400 BadRequest naming every such field; Warn,
 * the server's default when the parameter is absent, succeeds and sends one
 * `Warning: 299 - "..."` header per field; Ignore succeeds silently. The texts are
 * the apiserver's (transformDecodeError over a strict decoding error).
 */
import type { PalisadeError } from '@palisade/model';
import type { ResourceDef } from './resources.js';
import { badRequest, makeStatus, statusError } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const SUPPORTED = ['', 'Ignore', 'Strict', 'Warn'];

/**
 * The request's directive; an unsupported value is 422 on the options kind
 * (`CreateOptions`, `UpdateOptions`, `PatchOptions`), as ValidateFieldValidation.
 */
export function parseFieldValidation(q: URLSearchParams, optionsKind: string): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  if (v === 'Strict' || v === 'Ignore') return v;
  if (v === 'Warn' || v === '') return 'Warn';
  const message = `Unsupported value: ${JSON.stringify(v)}: supported values: ${SUPPORTED.map((s) => `"${s}"`).join(', ')}`;
  throw statusError(
    makeStatus(
      422,
      'Invalid',
      `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`,
      {
        name: '',
        group: 'meta.k8s.io',
        kind: optionsKind,
        causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }],
      },
    ),
  );
}

/** What decoding dropped: paths like `spec.ingress[0].from[0].networks`. */
export interface DecodeProblems {
  duplicate: string[];
  unknown: string[];
}

function problemTexts(p: DecodeProblems): string[] {
  return [
    ...p.duplicate.map((f) => `duplicate field ${JSON.stringify(f)}`),
    ...p.unknown.map((f) => `unknown field ${JSON.stringify(f)}`),
  ];
}

/** Applies the directive: throws for Strict, adds to `warnings` for Warn. */
export function enforceFieldValidation(
  def: ResourceDef,
  problems: DecodeProblems,
  opts: { fieldValidation?: FieldValidation | undefined; warnings?: string[] | undefined },
): void {
  const texts = problemTexts(problems);
  if (texts.length === 0) return;
  if (opts.fieldValidation === 'Strict') throw strictDecodingError(def, texts);
  if (opts.fieldValidation === 'Warn') opts.warnings?.push(...texts);
}

function strictDecodingError(def: ResourceDef, texts: string[]): PalisadeError {
  return badRequest(
    `${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: strict decoding error: ${texts.join(', ')}`,
  );
}

/** A Warning header value (RFC 7234 code 299, agent "-"), as the apiserver sends it. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/**
 * Paths of object keys that appear twice in `text` (already known to be valid JSON:
 * JSON.parse kept the last of each, as the real decoder does).
 */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    skipWs();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      const seen = new Set<string>();
      for (let n = 0; i < text.length; n++) {
        skipWs();
        if (text[i] === '}' || text[i] === ']') break;
        if (c === '[') value(`${path}[${n}]`);
        else {
          const key = readString();
          const at = path ? `${path}.${key}` : key;
          if (seen.has(key)) out.push(at);
          seen.add(key);
          skipWs();
          i++; // the colon
          value(at);
        }
        skipWs();
        if (text[i] === ',') i++;
      }
      i++;
    } else if (c === '"') readString();
    else while (i < text.length && !',]} \t\n\r'.includes(text.charAt(i))) i++;
  };
  value('');
  return out;
}
