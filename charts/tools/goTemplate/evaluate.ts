/**
 * Evaluator for the parsed subset, following Helm's semantics where they matter:
 * Go truthiness (false, 0, "", nil, empty list/map are false), a field of a missing
 * value is an error ("nil pointer evaluating"), `and`/`or` return an operand, sprig's
 * `default` treats every empty value as unset, `toYaml` sorts keys and indents lists
 * like sigs.k8s.io/yaml, and printing a map, a list or a number that Go would print in
 * exponent form (1e+06) is an error rather than a silent difference from Helm.
 */
import { stringify } from 'yaml';
import type { Arg, Command, FunctionName, Node, Pipeline } from './parse.js';

export type Value = unknown;

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

export interface EvalContext {
  root: Value;
  defines: Map<string, Node[]>;
  /** Name of the template being rendered, for error messages. */
  file: string;
  depth: number;
}

export function isTruthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's %v for the scalars Helm prints; anything else is a chart bug. */
export function printValue(v: Value, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) >= 1e6)
      throw new RenderError(
        `${where}: ${v} would print in exponent form (1e+06) in Helm; quote it in values`,
      );
    return String(v);
  }
  throw new RenderError(
    `${where}: cannot print a ${Array.isArray(v) ? 'list' : 'map'} (use toYaml)`,
  );
}

function field(base: Value, path: string[], where: string): Value {
  let cur = base;
  for (const [i, key] of path.entries()) {
    if (cur === undefined || cur === null)
      throw new RenderError(`${where}: nil pointer evaluating .${path.slice(0, i + 1).join('.')}`);
    if (!isMap(cur)) throw new RenderError(`${where}: cannot read .${key} of a ${typeof cur}`);
    cur = cur[key];
  }
  return cur;
}

export function toYaml(v: Value): string {
  if (v === undefined || v === null) return 'null';
  const text = stringify(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
  return text.replace(/\n$/, '');
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

function goQuote(v: Value, where: string): string {
  return JSON.stringify(printValue(v, where));
}

function printf(where: string, format: string, args: Value[]): string {
  let i = 0;
  const out = format.replace(/%([%svq])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new RenderError(`${where}: printf: missing argument for %${verb}`);
    const a = args[i++];
    if (verb === 's' && typeof a !== 'string')
      throw new RenderError(`${where}: printf %s needs a string (Helm prints %!s(...))`);
    return verb === 'q' ? goQuote(a, where) : printValue(a, where);
  });
  if (/%[^%svq]/.test(format.replace(/%%/g, '')))
    throw new RenderError(`${where}: printf supports only %s, %v, %q and %%`);
  if (i !== args.length) throw new RenderError(`${where}: printf: too many arguments`);
  return out;
}

function arity(where: string, name: string, args: Value[], n: number): void {
  if (args.length !== n)
    throw new RenderError(`${where}: ${name} takes ${n} argument(s), got ${args.length}`);
}

function asNumber(where: string, name: string, v: Value): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new RenderError(`${where}: ${name} needs an integer`);
  return v;
}

function asString(where: string, name: string, v: Value): string {
  if (typeof v !== 'string')
    throw new RenderError(`${where}: ${name} needs a string, got ${JSON.stringify(v)}`);
  return v;
}

function scalarEqual(where: string, a: Value, b: Value): boolean {
  const kind = (v: Value) => (v === null || v === undefined ? 'nil' : typeof v);
  if (kind(a) === 'object' || kind(b) === 'object')
    throw new RenderError(`${where}: eq/ne compare scalars only`);
  if (kind(a) !== kind(b) && kind(a) !== 'nil' && kind(b) !== 'nil')
    throw new RenderError(
      `${where}: incompatible types for comparison (${kind(a)} and ${kind(b)})`,
    );
  return a === b || (kind(a) === 'nil' && kind(b) === 'nil');
}

function callFunction(name: FunctionName, args: Value[], ctx: EvalContext, where: string): Value {
  switch (name) {
    case 'include': {
      arity(where, name, args, 2);
      const tplName = asString(where, name, args[0]);
      const body = ctx.defines.get(tplName);
      if (!body) throw new RenderError(`${where}: no template named ${JSON.stringify(tplName)}`);
      if (ctx.depth > 50) throw new RenderError(`${where}: include nested too deeply`);
      return renderNodes(body, args[1], {
        ...ctx,
        depth: ctx.depth + 1,
        file: `${ctx.file} > ${tplName}`,
      });
    }
    case 'toYaml':
      arity(where, name, args, 1);
      return toYaml(args[0]);
    case 'nindent':
    case 'indent': {
      arity(where, name, args, 2);
      const s = indent(asNumber(where, name, args[0]), printValue(args[1], where));
      return name === 'nindent' ? `\n${s}` : s;
    }
    case 'quote':
      return args
        .filter((a) => a !== undefined && a !== null)
        .map((a) => goQuote(a, where))
        .join(' ');
    case 'default':
      arity(where, name, args, 2);
      return isTruthy(args[1]) ? args[1] : args[0];
    case 'printf':
      if (args.length === 0) throw new RenderError(`${where}: printf needs a format`);
      return printf(where, asString(where, name, args[0]), args.slice(1));
    case 'eq':
      if (args.length < 2) throw new RenderError(`${where}: eq needs two arguments or more`);
      return args.slice(1).some((b) => scalarEqual(where, args[0], b));
    case 'ne':
      arity(where, name, args, 2);
      return !scalarEqual(where, args[0], args[1]);
    case 'and':
    case 'or':
      if (args.length < 2) throw new RenderError(`${where}: ${name} needs two arguments or more`);
      for (const a of args.slice(0, -1)) if (isTruthy(a) === (name === 'or')) return a;
      return args[args.length - 1];
    case 'not':
      arity(where, name, args, 1);
      return !isTruthy(args[0]);
    case 'join': {
      arity(where, name, args, 2);
      const list = args[1];
      if (!Array.isArray(list)) throw new RenderError(`${where}: join needs a list`);
      return list.map((x) => printValue(x, where)).join(asString(where, name, args[0]));
    }
    case 'trunc': {
      arity(where, name, args, 2);
      const s = asString(where, name, args[1]);
      return s.slice(0, asNumber(where, name, args[0]));
    }
    case 'trimSuffix': {
      arity(where, name, args, 2);
      const [suffix, s] = [asString(where, name, args[0]), asString(where, name, args[1])];
      return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
    }
    case 'required':
      arity(where, name, args, 2);
      if (args[1] === undefined || args[1] === null || args[1] === '')
        throw new RenderError(asString(where, name, args[0]));
      return args[1];
    case 'fail':
      arity(where, name, args, 1);
      throw new RenderError(asString(where, name, args[0]));
  }
}

function evalArg(a: Arg, dot: Value, ctx: EvalContext, where: string): Value {
  switch (a.k) {
    case 'field':
      return field(a.root ? ctx.root : dot, a.path, where);
    case 'str':
    case 'num':
    case 'bool':
      return a.v;
    case 'nil':
      return null;
    case 'pipe':
      return evalPipeline(a.pipe, dot, ctx);
    case 'fn':
      return callFunction(a.name, [], ctx, where);
  }
}

function evalCommand(
  cmd: Command,
  dot: Value,
  ctx: EvalContext,
  piped: { v: Value } | null,
): Value {
  const where = ctx.file;
  const head = cmd[0]!;
  if (head.k !== 'fn') return evalArg(head, dot, ctx, where);
  const args = cmd.slice(1).map((a) => evalArg(a, dot, ctx, where));
  if (piped) args.push(piped.v);
  // and/or short-circuit in Go >= 1.18; evaluating eagerly differs only in errors.
  return callFunction(head.name, args, ctx, where);
}

export function evalPipeline(pipe: Pipeline, dot: Value, ctx: EvalContext): Value {
  let piped: { v: Value } | null = null;
  for (const cmd of pipe) piped = { v: evalCommand(cmd, dot, ctx, piped) };
  return piped!.v;
}

function rangeItems(v: Value, where: string): Value[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (isMap(v))
    return Object.keys(v)
      .sort()
      .map((k) => v[k]);
  throw new RenderError(`${where}: range over a ${typeof v}`);
}

export function renderNodes(nodes: Node[], dot: Value, ctx: EvalContext): string {
  let out = '';
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        out += node.v;
        break;
      case 'action':
        out += printValue(evalPipeline(node.pipe, dot, ctx), ctx.file);
        break;
      case 'if': {
        const hit = node.branches.find((b) => isTruthy(evalPipeline(b.cond, dot, ctx)));
        if (hit) out += renderNodes(hit.body, dot, ctx);
        else if (node.otherwise) out += renderNodes(node.otherwise, dot, ctx);
        break;
      }
      case 'with': {
        const v = evalPipeline(node.pipe, dot, ctx);
        if (isTruthy(v)) out += renderNodes(node.body, v, ctx);
        else if (node.otherwise) out += renderNodes(node.otherwise, dot, ctx);
        break;
      }
      case 'range': {
        const items = rangeItems(evalPipeline(node.pipe, dot, ctx), ctx.file);
        if (items.length === 0 && node.otherwise) out += renderNodes(node.otherwise, dot, ctx);
        for (const item of items) out += renderNodes(node.body, item, ctx);
        break;
      }
    }
  }
  return out;
}
