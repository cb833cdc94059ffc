/**
 * Parser for the subset of Go text/template that the Palisade chart is allowed to use
 * (listed in charts/palisade/README.md). Anything outside the subset — variables
 * (`$x :=`), `template`/`block`, functions not in FUNCTIONS, numeric literals given to
 * eq/ne — is a parse error, so a template that Helm would render differently from this
 * renderer fails the chart tests instead of passing them by accident. Every branch is
 * parsed, including branches the test values never take.
 */

/** Functions the chart may call; the evaluator implements exactly these. */
export const FUNCTIONS = [
  'include',
  'toYaml',
  'nindent',
  'indent',
  'quote',
  'default',
  'printf',
  'eq',
  'ne',
  'and',
  'or',
  'not',
  'join',
  'trunc',
  'trimSuffix',
  'required',
  'fail',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export type Arg =
  | { k: 'field'; root: boolean; path: string[] } // `.a.b` (root=false) or `$.a.b` / `$`
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'nil' }
  | { k: 'fn'; name: FunctionName }
  | { k: 'pipe'; pipe: Pipeline };

/** One command of a pipeline: a function call (first arg is `fn`) or a single value. */
export type Command = Arg[];
export type Pipeline = Command[];

export type Node =
  | { t: 'text'; v: string }
  | { t: 'action'; pipe: Pipeline }
  | { t: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] | null }
  | { t: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null }
  | { t: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null };

export interface ParsedTemplate {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

export class TemplateError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TemplateError';
  }
}

type RawPiece = { t: 'text'; v: string } | { t: 'action'; src: string; line: number };

/** Splits source into text and action pieces, applying `{{-` / `-}}` trimming. */
function scan(src: string, file: string): RawPiece[] {
  const out: RawPiece[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push({ t: 'text', v: text });
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(file, `unclosed action at line ${lineOf(src, open)}`);
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('- ') || inner.startsWith('-\n') || inner === '-') {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = false;
    if (inner.endsWith(' -') || inner.endsWith('\n-')) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    out.push({ t: 'text', v: text });
    const trimmed = inner.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/')))
      out.push({ t: 'action', src: trimmed, line: lineOf(src, open) });
    pos = close + 2;
  }
  return out.filter((p) => p.t === 'action' || p.v !== '');
}

function lineOf(src: string, index: number): number {
  return src.slice(0, index).split('\n').length;
}

type Token =
  { k: 'lp' } | { k: 'rp' } | { k: 'bar' } | { k: 'word'; v: string } | { k: 'str'; v: string };

function tokenize(src: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '(') (tokens.push({ k: 'lp' }), i++);
    else if (c === ')') (tokens.push({ k: 'rp' }), i++);
    else if (c === '|') (tokens.push({ k: 'bar' }), i++);
    else if (c === '"') {
      const m = /^"(?:[^"\\\n]|\\.)*"/.exec(src.slice(i));
      if (!m) throw new Error(`${where}: unterminated string`);
      tokens.push({ k: 'str', v: JSON.parse(m[0]) as string });
      i += m[0].length;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new Error(`${where}: unterminated raw string`);
      tokens.push({ k: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
    } else {
      const m = /^[^\s()|"`]+/.exec(src.slice(i))!;
      tokens.push({ k: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

const FIELD = /^\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$/;
const ROOT_FIELD = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function parseWord(word: string, where: string): Arg {
  if (word === 'true' || word === 'false') return { k: 'bool', v: word === 'true' };
  if (word === 'nil') return { k: 'nil' };
  if (/^-?\d+(\.\d+)?$/.test(word)) return { k: 'num', v: Number(word) };
  if (FIELD.test(word))
    return { k: 'field', root: false, path: word === '.' ? [] : word.slice(1).split('.') };
  if (ROOT_FIELD.test(word))
    return { k: 'field', root: true, path: word === '$' ? [] : word.slice(2).split('.') };
  if (word === ':=' || word === '=' || word.startsWith('$'))
    throw new Error(`${where}: template variables are outside the supported subset (use $ or .)`);
  if ((FUNCTIONS as readonly string[]).includes(word))
    return { k: 'fn', name: word as FunctionName };
  throw new Error(
    `${where}: function or keyword ${JSON.stringify(word)} is outside the supported subset`,
  );
}

function parsePipeline(tokens: Token[], where: string): Pipeline {
  let i = 0;
  const pipeline = (): Pipeline => {
    const cmds: Pipeline = [[]];
    while (i < tokens.length) {
      const tok = tokens[i]!;
      if (tok.k === 'rp') break;
      i++;
      if (tok.k === 'bar') cmds.push([]);
      else if (tok.k === 'str') cmds[cmds.length - 1]!.push({ k: 'str', v: tok.v });
      else if (tok.k === 'word') cmds[cmds.length - 1]!.push(parseWord(tok.v, where));
      else {
        const inner = pipeline();
        if (tokens[i]?.k !== 'rp') throw new Error(`${where}: missing )`);
        i++;
        cmds[cmds.length - 1]!.push({ k: 'pipe', pipe: inner });
      }
    }
    if (cmds.some((c) => c.length === 0)) throw new Error(`${where}: empty command in pipeline`);
    return cmds;
  };
  const result = pipeline();
  if (i !== tokens.length) throw new Error(`${where}: unexpected )`);
  checkPipeline(result, where);
  return result;
}

function checkPipeline(pipe: Pipeline, where: string): void {
  pipe.forEach((cmd, idx) => {
    const head = cmd[0]!;
    if (head.k !== 'fn' && (cmd.length > 1 || idx > 0))
      throw new Error(`${where}: only a function can take arguments or a piped value`);
    // Helm holds numbers from values as float64 while a literal is an int: Go's eq/ne
    // fail on that mix, so the subset forbids numeric literals in comparisons.
    if (
      head.k === 'fn' &&
      (head.name === 'eq' || head.name === 'ne') &&
      cmd.some((a) => a.k === 'num')
    )
      throw new Error(
        `${where}: ${head.name} with a numeric literal is outside the supported subset`,
      );
    for (const a of cmd) if (a.k === 'pipe') checkPipeline(a.pipe, where);
  });
}

type Frame =
  | { kind: 'root' }
  | { kind: 'if' | 'with' | 'range' | 'define'; node: Node | null; name?: string; line: number };

/** Parses one template file into its body and its `define`d templates. */
export function parseTemplate(src: string, file: string): ParsedTemplate {
  const defines = new Map<string, Node[]>();
  const root: Node[] = [];
  // Stack of [frame, node list currently being appended to].
  const stack: { frame: Frame; list: Node[] }[] = [{ frame: { kind: 'root' }, list: root }];
  const top = () => stack[stack.length - 1]!;
  for (const piece of scan(src, file)) {
    if (piece.t === 'text') {
      top().list.push(piece);
      continue;
    }
    const where = `${file}:${piece.line}`;
    try {
      const [keyword, rest] = splitKeyword(piece.src);
      handleAction({ keyword, rest, where, line: piece.line, stack, defines });
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(file, (err as Error).message);
    }
  }
  if (stack.length !== 1)
    throw new TemplateError(file, `unclosed ${top().frame.kind} (no {{ end }})`);
  return { nodes: root, defines };
}

function splitKeyword(src: string): [string, string] {
  const m = /^([A-Za-z]+)\b\s*([\s\S]*)$/.exec(src);
  const kw = m?.[1];
  if (
    kw &&
    [
      'if',
      'else',
      'end',
      'with',
      'range',
      'define',
      'template',
      'block',
      'break',
      'continue',
    ].includes(kw)
  )
    return [kw, m[2]!];
  return ['', src];
}

function handleAction(a: {
  keyword: string;
  rest: string;
  where: string;
  line: number;
  stack: { frame: Frame; list: Node[] }[];
  defines: Map<string, Node[]>;
}): void {
  const { keyword, rest, where, stack } = a;
  const top = stack[stack.length - 1]!;
  const pipe = () => parsePipeline(tokenize(rest, where), where);
  switch (keyword) {
    case '':
      top.list.push({ t: 'action', pipe: parsePipeline(tokenize(rest, where), where) });
      return;
    case 'if': {
      const node: Node = { t: 'if', branches: [{ cond: pipe(), body: [] }], otherwise: null };
      top.list.push(node);
      stack.push({ frame: { kind: 'if', node, line: a.line }, list: node.branches[0]!.body });
      return;
    }
    case 'with':
    case 'range': {
      const body: Node[] = [];
      const node: Node = { t: keyword, pipe: pipe(), body, otherwise: null };
      top.list.push(node);
      stack.push({ frame: { kind: keyword, node, line: a.line }, list: body });
      return;
    }
    case 'else': {
      const f = top.frame;
      if (f.kind === 'root' || f.kind === 'define' || !f.node)
        throw new Error(`${where}: else outside if/with/range`);
      const node = f.node;
      if (rest.startsWith('if ')) {
        if (node.t !== 'if' || node.otherwise) throw new Error(`${where}: else if outside if`);
        const branch = {
          cond: parsePipeline(tokenize(rest.slice(3), where), where),
          body: [] as Node[],
        };
        node.branches.push(branch);
        top.list = branch.body;
        return;
      }
      if (rest !== '') throw new Error(`${where}: unexpected ${JSON.stringify(rest)} after else`);
      if (node.t === 'text' || node.t === 'action' || node.otherwise)
        throw new Error(`${where}: duplicate else`);
      node.otherwise = [];
      top.list = node.otherwise;
      return;
    }
    case 'end':
      if (stack.length === 1) throw new Error(`${where}: end without a block`);
      if (rest !== '') throw new Error(`${where}: unexpected ${JSON.stringify(rest)} after end`);
      stack.pop();
      return;
    case 'define': {
      if (stack.length !== 1) throw new Error(`${where}: define must be at the top level`);
      const m = /^"([^"]+)"$/.exec(rest.trim());
      if (!m) throw new Error(`${where}: define needs a quoted name`);
      if (a.defines.has(m[1]!)) throw new Error(`${where}: ${m[1]} defined twice`);
      const body: Node[] = [];
      a.defines.set(m[1]!, body);
      stack.push({ frame: { kind: 'define', node: null, name: m[1]!, line: a.line }, list: body });
      return;
    }
    default:
      throw new Error(`${where}: {{ ${keyword} }} is outside the supported subset`);
  }
}
