/**
 * -o yaml / -o json: the objects exactly as stored in etcd (key order and all), not
 * as re-serialized after defaults were applied. Control characters inside strings
 * are written with the format's own escapes (see escape.ts): the documents decode to
 * exactly what is stored, and a terminal shows them inert.
 */
import { Document, isScalar, visit } from 'yaml';
import { escapeJsonText, escapeYamlText, hasControls } from './escape.js';

const parseRaw = (raw: string): unknown => JSON.parse(raw) as unknown;

/** A single object prints as itself; a list as a JSON array. */
export function jsonDocuments(raws: string[], single: boolean): string {
  const docs = raws.map(parseRaw);
  return jsonValue(single ? docs[0] : docs);
}

/**
 * One YAML document. Strings holding control characters are forced double-quoted (a
 * plain or block scalar would carry them raw), so escapeYamlText may rewrite the few
 * the encoder leaves raw even inside double quotes.
 */
function yamlDocument(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && hasControls(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // Never fold a double-quoted scalar across lines: its line breaks stay `\n` escapes.
  return escapeYamlText(doc.toString({ lineWidth: 0, doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER }));
}

/** YAML documents separated by `---`. */
export function yamlDocuments(raws: string[]): string {
  return raws.map((r) => yamlDocument(parseRaw(r))).join('---\n');
}

/** Any JSON-able value (status and explain verdicts). */
export function jsonValue(value: unknown): string {
  return `${escapeJsonText(JSON.stringify(value, null, 2))}\n`;
}
