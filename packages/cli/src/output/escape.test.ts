import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { escapeControls, escapeJsonText, escapeLines, hasControls } from './escape.js';
import { jsonDocuments, jsonValue, yamlDocuments } from './documents.js';

/** Every character a terminal may interpret, and what palisadectl shows instead. */
const ESCAPES: [name: string, input: string, shown: string][] = [
  ['plain text', 'app=web', 'app=web'],
  ['OSC title (ESC ] … BEL)', '\x1b]0;title\x07', '\\x1b]0;title\\x07'],
  ['clear screen (CSI 2J)', '\x1b[2J', '\\x1b[2J'],
  ['carriage return', 'ok\rFAIL', 'ok\\rFAIL'],
  ['forged line', 'x\nall agents healthy', 'x\\nall agents healthy'],
  ['tab', 'a\tb', 'a\\tb'],
  ['NUL', 'a\0b', 'a\\x00b'],
  ['backspace', 'a\bb', 'a\\x08b'],
  ['unit separator', '\x1f', '\\x1f'],
  ['DEL', '\x7f', '\\x7f'],
  ['C1 CSI', '\x9b2J', '\\x9b2J'],
  ['C1 NEL', '\x85', '\\x85'],
  ['C1 APC', '\x9f', '\\x9f'],
  ['right-to-left override', 'abc\u202edef', 'abc\\u202edef'],
  ['LRE … PDF', '\u202ax\u202c', '\\u202ax\\u202c'],
  ['isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
  ['line separator', 'a\u2028b', 'a\\u2028b'],
  ['paragraph separator', 'a\u2029b', 'a\\u2029b'],
  ['LRM / RLM / ALM', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
  ['printable non-ASCII stays', 'café ü 日本 \u00a0', 'café ü 日本 \u00a0'],
  ['backslashes stay (idempotent)', 'C:\\x1b', 'C:\\x1b'],
];

describe('escapeControls', () => {
  it.each(ESCAPES)('%s', (_name, input, shown) => {
    expect(escapeControls(input)).toBe(shown);
    expect(hasControls(input)).toBe(input !== shown);
    expect(escapeControls(escapeControls(input))).toBe(shown);
    expect(hasControls(escapeControls(input))).toBe(false);
  });

  it('leaves no C0, DEL, C1 or bidi character in any of the 0x0000–0xffff range', () => {
    const all = Array.from({ length: 0x10000 }, (_, i) => String.fromCharCode(i)).join('');
// eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(escapeControls(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });

  it('escapeLines keeps our line breaks and escapes the rest', () => {
    expect(escapeLines('error: a\x1b[2J\nhint: b\r')).toBe('error: a\\x1b[2J\nhint: b\\r');
  });
});

describe('JSON and YAML stay exact', () => {
  const value = {
    labels: { 'k\u202e': 'v\x1b]0;title\x07', forged: '\nall agents healthy', cr: 'a\rb', c1: '\x9b\x85\x7f', sep: 'a\u2028b' },
    n: 3,
    list: ['plain', 'tab\there'],
  };
  const raw = JSON.stringify(value);

  it.each([
    ['json (one)', jsonDocuments([raw], true), (t: string) => JSON.parse(t) as unknown],
    ['json (list)', jsonDocuments([raw], false), (t: string) => (JSON.parse(t) as unknown[])[0]],
    ['yaml', yamlDocuments([raw]), (t: string) => parseYaml(t) as unknown],
  ])('%s decodes to the stored value with no raw control character', (_name, text, decode) => {
    expect(hasControls(text.replace(/\n/g, ''))).toBe(false);
    expect(decode(text)).toEqual(value);
  });

  it('keeps plain YAML plain and separates documents', () => {
    const text = yamlDocuments([JSON.stringify({ a: 'x' }), JSON.stringify({ b: 'y\nz' })]);
    expect(text).toBe('a: x\n---\nb: "y\\nz"\n');
    expect(parseAllDocuments(text).map((d) => d.toJS() as unknown)).toEqual([{ a: 'x' }, { b: 'y\nz' }]);
  });

  it('jsonValue escapes what JSON.stringify leaves raw', () => {
    expect(jsonValue({ s: '\u202e\x85' })).toBe('{\n  "s": "\\u202e\\u0085"\n}\n');
    expect(escapeJsonText('"\u2028"')).toBe('"\\u2028"');
  });
});
