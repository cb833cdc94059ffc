/**
 * `-l`: a selector in the Palisade language (`app == 'web' && has(tier)`) or in
 * kubectl's syntax (`app=web,tier!=db,env in (a,b),!legacy`). The Palisade parser is
 * tried first; kubectl's syntax is never valid Palisade (values there are unquoted).
 */
import { PalisadeError, errorMessage, normalizeSelector, parseSelector } from '@palisade/model';
import type { SelectorExpr } from '@palisade/model';

/** Splits on commas outside parentheses. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

const KEY = '([A-Za-z0-9._/:-]+)';
const VALUE = '([A-Za-z0-9._-]*)';

function requirement(req: string): SelectorExpr {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^${KEY}\\s*(==|=|!=)\\s*${VALUE}$`).exec(req))) {
    const [, key = '', op, value = ''] = m;
    return { op: op === '!=' ? 'ne' : 'eq', key, value };
  }
  if ((m = new RegExp(`^${KEY}\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(req))) {
    const [, key = '', op, list = ''] = m;
    const values = list.split(',').map((v) => v.trim());
    if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) throw new Error(`invalid value list in ${JSON.stringify(req)}`);
    return { op: op === 'in' ? 'in' : 'notin', key, values };
  }
  if ((m = new RegExp(`^!\\s*${KEY}$`).exec(req))) return { op: 'nothas', key: m[1] ?? '' };
  if ((m = new RegExp(`^${KEY}$`).exec(req))) return { op: 'has', key: m[1] ?? '' };
  throw new Error(`cannot parse requirement ${JSON.stringify(req)}`);
}

/** kubectl's label selector syntax. Throws on anything else. */
export function parseKubectlSelector(text: string): SelectorExpr {
  const reqs = splitRequirements(text);
  if (reqs.some((r) => r === '')) throw new Error('empty requirement');
  return normalizeSelector({ op: 'and', terms: reqs.map(requirement) });
}

export function parseLabelSelectorArg(text: string): SelectorExpr {
  try {
    return parseSelector(text);
  } catch (palisadeErr) {
    try {
      return parseKubectlSelector(text);
    } catch {
      throw new PalisadeError(
        'INVALID_INPUT',
        `invalid -l selector ${JSON.stringify(text)}: not a Palisade selector (${errorMessage(palisadeErr)}) ` +
          `nor a kubectl one (e.g. app=web,tier!=db)`,
        { fields: { selector: text } },
      );
    }
  }
}
