/**
 * Tokenizer for selector text. Positions are 0-based offsets into the text; errors
 * report them as 1-based columns.
 */
import { PalisadeError } from '../errors.js';
import { isKeyChar } from './types.js';

export type TokenType =
  'ident' | 'string' | '==' | '!=' | '!' | '&&' | '||' | '(' | ')' | '{' | '}' | ',' | 'eof';

export interface Token {
  type: TokenType;
  /** The source text of the token (for strings: the unescaped value). */
  text: string;
  pos: number;
}

/** The error every selector syntax problem becomes. */
export function selectorSyntaxError(selector: string, pos: number, problem: string): PalisadeError {
  const column = pos + 1;
  return new PalisadeError('INVALID_INPUT', `invalid selector at column ${column}: ${problem}`, {
    fields: { selector, position: column },
  });
}

export function describeToken(tok: Token): string {
  if (tok.type === 'eof') return 'end of selector';
  if (tok.type === 'string') return `string ${JSON.stringify(tok.text)}`;
  return `'${tok.text}'`;
}

const PUNCT: Record<string, TokenType> = {
  '==': '==',
  '!=': '!=',
  '&&': '&&',
  '||': '||',
};
const SINGLE: Record<string, TokenType> = {
  '!': '!',
  '(': '(',
  ')': ')',
  '{': '{',
  '}': '}',
  ',': ',',
};

function lexString(text: string, start: number): { token: Token; end: number } {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === quote) return { token: { type: 'string', text: value, pos: start }, end: i + 1 };
    if (ch === '\\') {
      if (i + 1 >= text.length) break;
      value += text[i + 1];
      i += 2;
      continue;
    }
    value += ch;
    i += 1;
  }
  throw selectorSyntaxError(text, start, `unterminated string: expected a closing ${quote}`);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    const pair = PUNCT[two];
    if (pair !== undefined) {
      tokens.push({ type: pair, text: two, pos: i });
      i += 2;
      continue;
    }
    const single = SINGLE[ch];
    if (single !== undefined) {
      tokens.push({ type: single, text: ch, pos: i });
      i += 1;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const { token, end } = lexString(text, i);
      tokens.push(token);
      i = end;
      continue;
    }
    if (isKeyChar(ch)) {
      const start = i;
      while (i < text.length && isKeyChar(text[i] ?? '')) i += 1;
      tokens.push({ type: 'ident', text: text.slice(start, i), pos: start });
      continue;
    }
    throw selectorSyntaxError(text, i, unexpectedCharProblem(ch));
  }
  tokens.push({ type: 'eof', text: '', pos: text.length });
  return tokens;
}

function unexpectedCharProblem(ch: string): string {
  if (ch === '&') return "expected '&&', found a single '&'";
  if (ch === '|') return "expected '||', found a single '|'";
  if (ch === '=') return "expected '==', found a single '='";
  return `expected a label key, operator or string, found unexpected character ${JSON.stringify(ch)}`;
}
