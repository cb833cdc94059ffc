/**
 * Recursive-descent parser for the selector language (grammar in docs/selectors.md).
 * The result is normalized, so parsing two spellings of one selector gives
 * deep-equal trees.
 */
import { describeToken, selectorSyntaxError, tokenize } from './lexer.js';
import type { Token, TokenType } from './lexer.js';
import { normalizeSelector } from './printer.js';
import type { SelectorExpr } from './types.js';

/** Deeper nesting than this is rejected rather than risking the stack. */
const MAX_DEPTH = 64;

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(ahead = 0): Token {
    const tok = this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
    if (tok === undefined) throw new Error('token stream always ends with eof');
    return tok;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.type !== 'eof') this.i += 1;
    return tok;
  }

  private fail(tok: Token, expected: string): never {
    throw selectorSyntaxError(
      this.text,
      tok.pos,
      `expected ${expected}, found ${describeToken(tok)}`,
    );
  }

  private expect(type: TokenType, expected: string): Token {
    const tok = this.next();
    if (tok.type !== type) this.fail(tok, expected);
    return tok;
  }

  private expectKeyword(word: string): void {
    const tok = this.next();
    if (tok.type !== 'ident' || tok.text !== word) this.fail(tok, `'${word}'`);
  }

  parseTop(): SelectorExpr {
    const expr = this.parseOr(0);
    const tok = this.peek();
    if (tok.type !== 'eof') this.fail(tok, "'&&', '||' or end of selector");
    return expr;
  }

  private parseOr(depth: number): SelectorExpr {
    const terms = [this.parseAnd(depth)];
    while (this.peek().type === '||') {
      this.next();
      terms.push(this.parseAnd(depth));
    }
    return terms.length === 1 && terms[0] !== undefined ? terms[0] : { op: 'or', terms };
  }

  private parseAnd(depth: number): SelectorExpr {
    const terms = [this.parseUnary(depth)];
    while (this.peek().type === '&&') {
      this.next();
      terms.push(this.parseUnary(depth));
    }
    return terms.length === 1 && terms[0] !== undefined ? terms[0] : { op: 'and', terms };
  }

  private parseUnary(depth: number): SelectorExpr {
    const tok = this.peek();
    if (tok.type === '!') {
      this.next();
      this.expectKeyword('has');
      return { op: 'nothas', key: this.parseHasArgument() };
    }
    if (tok.type === '(') {
      if (depth >= MAX_DEPTH) this.fail(tok, `at most ${MAX_DEPTH} levels of parentheses`);
      this.next();
      const inner = this.parseOr(depth + 1);
      const close = this.peek();
      if (close.type !== ')') this.fail(close, "'&&', '||' or ')'");
      this.next();
      return inner;
    }
    if (tok.type !== 'ident') this.fail(tok, "a label key, 'has(', '!has(', 'all()' or '('");
    const isCall = this.peek(1).type === '(';
    if (isCall && tok.text === 'has') {
      this.next();
      return { op: 'has', key: this.parseHasArgument() };
    }
    if (isCall && tok.text === 'all') {
      this.next();
      this.expect('(', "'('");
      this.expect(')', "')' (all() takes no arguments)");
      return { op: 'all' };
    }
    this.next();
    return this.parseComparison(tok.text);
  }

  private parseHasArgument(): string {
    this.expect('(', "'(' after 'has'");
    const key = this.expect('ident', 'a label key inside has()').text;
    this.expect(')', "')' after the label key in has()");
    return key;
  }

  private parseComparison(key: string): SelectorExpr {
    const tok = this.next();
    if (tok.type === '==' || tok.type === '!=') {
      const value = this.expect('string', `a quoted string after '${tok.text}'`).text;
      return { op: tok.type === '==' ? 'eq' : 'ne', key, value };
    }
    if (tok.type === 'ident' && tok.text === 'in')
      return { op: 'in', key, values: this.parseSet() };
    if (tok.type === 'ident' && tok.text === 'not') {
      this.expectKeyword('in');
      return { op: 'notin', key, values: this.parseSet() };
    }
    return this.fail(tok, "'==', '!=', 'in' or 'not in' after the label key");
  }

  private parseSet(): string[] {
    this.expect('{', "'{' to start a set of values");
    const values: string[] = [];
    if (this.peek().type === '}') {
      this.next();
      return values;
    }
    for (;;) {
      values.push(this.expect('string', 'a quoted string in the set').text);
      const sep = this.next();
      if (sep.type === '}') return values;
      if (sep.type !== ',') this.fail(sep, "',' or '}' in the set");
    }
  }
}

/** Parses selector text into a normalized tree; throws PalisadeError('INVALID_INPUT'). */
export function parseSelector(text: string): SelectorExpr {
  return normalizeSelector(new Parser(text, tokenize(text)).parseTop());
}
