/**
 * -o yaml / -o json: the objects exactly as stored in etcd (key order and all), not
 * as re-serialized after defaults were applied.
 */
import { stringify } from 'yaml';

const parseRaw = (raw: string): unknown => JSON.parse(raw) as unknown;

/** A single object prints as itself; a list as a JSON array. */
export function jsonDocuments(raws: string[], single: boolean): string {
  const docs = raws.map(parseRaw);
  return `${JSON.stringify(single ? docs[0] : docs, null, 2)}\n`;
}

/** YAML documents separated by `---`. */
export function yamlDocuments(raws: string[]): string {
  return raws.map((r) => stringify(parseRaw(r), { lineWidth: 0 })).join('---\n');
}

/** Any JSON-able value (status and explain verdicts). */
export function jsonValue(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
