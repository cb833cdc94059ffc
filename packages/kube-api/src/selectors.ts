/**
 * Label and field selectors in their query-string form (`?labelSelector=`,
 * `?fieldSelector=`), parsed the way k8s.io/apimachinery parses them.
 */
import { badRequest } from './status.js';
import type { ResourceDef } from './resources.js';
import { getPath, type KubeObject } from './types.js';

type LabelOp = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';
interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type Matcher = (obj: KubeObject) => boolean;

const TOKEN = /\s*(\(|\)|,|!=|==|=|!|>|<|[^\s(),=!<>]+)/y;

function tokenize(s: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < s.length) {
    const m = TOKEN.exec(s);
    if (!m) {
      if (s.slice(TOKEN.lastIndex).trim() === '') break;
      throw badRequest(`unable to parse requirement: invalid label selector "${s}"`);
    }
    out.push(m[1] ?? '');
  }
  return out;
}

function parseValues(tokens: string[], i: number, sel: string): [string[], number] {
  if (tokens[i] !== '(')
    throw badRequest(
      `unable to parse requirement: found '${tokens[i] ?? ''}', expected: '(' in "${sel}"`,
    );
  const values: string[] = [];
  let j = i + 1;
  while (j < tokens.length && tokens[j] !== ')') {
    const t = tokens[j] ?? '';
    if (t !== ',') values.push(t);
    j++;
  }
  if (tokens[j] !== ')')
    throw badRequest(`unable to parse requirement: found '', expected: ')' in "${sel}"`);
  return [values, j + 1];
}

function parseLabelSelector(sel: string): LabelRequirement[] {
  const tokens = tokenize(sel);
  const reqs: LabelRequirement[] = [];
  let i = 0;
  while (i < tokens.length) {
    let t = tokens[i] ?? '';
    if (t === '!') {
      const key = tokens[i + 1] ?? '';
      if (!/^[^\s(),=!<>]+$/.test(key))
        throw badRequest(
          `unable to parse requirement: found '${key}', expected: identifier after '!' in "${sel}"`,
        );
      reqs.push({ key, op: '!exists', values: [] });
      i += 2;
    } else {
      const key = t;
      if (!/^[^\s(),=!<>]+$/.test(key))
        throw badRequest(
          `unable to parse requirement: found '${key}', expected: identifier in "${sel}"`,
        );
      t = tokens[i + 1] ?? ',';
      if (t === ',') {
        reqs.push({ key, op: 'exists', values: [] });
        i += 1;
      } else if (t === 'in' || t === 'notin') {
        const [values, next] = parseValues(tokens, i + 2, sel);
        reqs.push({ key, op: t, values });
        i = next;
      } else if (['=', '==', '!=', '>', '<'].includes(t)) {
        const v = tokens[i + 2];
        const value = v === undefined || v === ',' ? '' : v;
        const op: LabelOp = t === '!=' ? '!=' : t === '>' ? 'gt' : t === '<' ? 'lt' : '=';
        reqs.push({ key, op, values: [value] });
        i += value === '' ? 2 : 3;
      } else {
        throw badRequest(
          `unable to parse requirement: found '${t}', expected: in, notin, =, ==, !=, gt, lt in "${sel}"`,
        );
      }
    }
    if (i < tokens.length) {
      if (tokens[i] !== ',')
        throw badRequest(
          `found '${tokens[i] ?? ''}', expected: ',' or 'end of string' in "${sel}"`,
        );
      i++;
    }
  }
  return reqs;
}

function matchRequirement(labels: Record<string, string>, r: LabelRequirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
    case 'in':
      return has && r.values.includes(v ?? '');
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v ?? '');
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return Number.isFinite(n) && (r.op === 'gt' ? n > bound : n < bound);
    }
  }
}

export function labelMatcher(sel: string | null | undefined): Matcher {
  if (!sel || sel.trim() === '') return () => true;
  const reqs = parseLabelSelector(sel);
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return reqs.every((r) => matchRequirement(labels, r));
  };
}

const FIELDS_COMMON = ['metadata.name', 'metadata.namespace'];
const FIELDS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  namespaces: ['status.phase'],
  networkpolicies: [],
};

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += s[++i] ?? '';
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function fieldValue(obj: KubeObject, field: string): string {
  const v = getPath(obj, field);
  if (v === undefined || v === null) return field === 'spec.hostNetwork' ? 'false' : '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function fieldMatcher(def: ResourceDef, sel: string | null | undefined): Matcher {
  if (!sel || sel.trim() === '') return () => true;
  const allowed = [...FIELDS_COMMON, ...(FIELDS[def.plural] ?? [])];
  const reqs = splitUnescaped(sel, ',').map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${term}'`);
    const [, field = '', op = '', value = ''] = m;
    if (!allowed.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, neg: op === '!=', value };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.neg);
}

export function combine(...ms: Matcher[]): Matcher {
  return (obj) => ms.every((m) => m(obj));
}
