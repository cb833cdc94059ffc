/**
 * Patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a
 * strategic merge patch that covers what kubectl sends for our three resources.
 *
 * Strategic merge simplification: lists are merged by key only for the fields
 * listed in MERGE_KEYS (the patchMergeKey fields of Pod and ObjectMeta that
 * kubectl and kubelets actually patch); every other list is replaced, which is
 * what the real server does for NetworkPolicy's atomic lists. Directives handled:
 * `$patch: replace|delete` on maps and list items, `$retainKeys`,
 * `$deleteFromPrimitiveList/<f>`, `$setElementOrder/<f>` (used to order the result).
 */
import { badRequest, makeStatus, statusError } from './status.js';
import { isObject, deepEqual, type JsonObject } from './types.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Dotted paths (list indices dropped) → merge key; '' marks a merged primitive list. */
const MERGE_KEYS: Record<string, string> = {
  'metadata.ownerReferences': 'uid',
  'metadata.finalizers': '',
  'spec.containers': 'name',
  'spec.initContainers': 'name',
  'spec.ephemeralContainers': 'name',
  'spec.containers.ports': 'containerPort',
  'spec.initContainers.ports': 'containerPort',
  'spec.containers.env': 'name',
  'spec.initContainers.env': 'name',
  'spec.containers.volumeMounts': 'mountPath',
  'spec.initContainers.volumeMounts': 'mountPath',
  'spec.volumes': 'name',
  'spec.imagePullSecrets': 'name',
  'spec.finalizers': '',
  'status.conditions': 'type',
  'status.podIPs': 'ip',
  'status.hostIPs': 'ip',
};

function mergeList(
  path: string,
  cur: unknown,
  patch: unknown[],
  order: unknown[] | undefined,
): unknown[] {
  const key = MERGE_KEYS[path];
  if (key === undefined || !Array.isArray(cur)) {
    return patch
      .filter((p) => !(isObject(p) && p.$patch === 'delete'))
      .map((p) => strategicMerge(undefined, p, path));
  }
  const curList: unknown[] = cur;
  if (key === '') {
    const out = [...curList];
    for (const p of patch) if (!out.some((x) => deepEqual(x, p))) out.push(p);
    return out;
  }
  let out: unknown[] = [...curList];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const idx = out.findIndex((x) => isObject(x) && deepEqual(x[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategicMerge(out[idx], item, path);
    else out.push(strategicMerge(undefined, item, path));
  }
  if (order) {
    const pos = (x: unknown): number =>
      order.findIndex((o) => isObject(o) && isObject(x) && deepEqual(o[key], x[key]));
    out = [...out].sort((a, b) => {
      const pa = pos(a);
      const pb = pos(b);
      return (pa < 0 ? Infinity : pa) - (pb < 0 ? Infinity : pb);
    });
  }
  return out;
}

export function strategicMerge(target: unknown, patch: unknown, path = ''): unknown {
  if (Array.isArray(patch)) return mergeList(path, target, patch, undefined);
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return strategicMerge(undefined, rest, path);
  }
  if (patch.$patch === 'delete') return undefined;
  let out: JsonObject = isObject(target) ? { ...target } : {};
  const child = (k: string): string => (path ? `${path}.${k}` : k);
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[f];
      if (Array.isArray(cur) && Array.isArray(v))
        out[f] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) {
      const order = patch[`$setElementOrder/${k}`];
      out[k] = mergeList(child(k), out[k], v, Array.isArray(order) ? order : undefined);
    } else {
      const merged = strategicMerge(out[k], v, child(k));
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  }
  return out;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
    throw badRequest(`invalid JSON pointer: ${String(path)}`);
  return path === '' ? [] : path.slice(1).split('/').map(unescape);
}

function parentOf(doc: unknown, tokens: string[]): [JsonObject | unknown[], string] {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw patchFailed(`doc is missing path: "/${tokens.join('/')}"`);
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw patchFailed(`doc is missing path: "/${tokens.join('/')}"`);
  return [cur, tokens[tokens.length - 1] ?? ''];
}

function patchFailed(msg: string): Error {
  return statusError(
    makeStatus(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: ${msg}`,
    ),
  );
}

function readAt(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const [parent, last] = parentOf(doc, tokens);
  const v = Array.isArray(parent) ? parent[Number(last)] : parent[last];
  if (v === undefined) throw patchFailed(`doc is missing path: "/${tokens.join('/')}"`);
  return v;
}

function removeAt(doc: unknown, tokens: string[]): unknown {
  const v = readAt(doc, tokens);
  const [parent, last] = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return v;
}

function addAt(doc: unknown, tokens: string[], value: unknown, replace: boolean): unknown {
  if (tokens.length === 0) return structuredClone(value);
  const [parent, last] = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length)
      throw patchFailed(`index out of range: ${last}`);
    parent.splice(idx, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(last in parent)) throw patchFailed(`doc is missing key: /${tokens.join('/')}`);
    parent[last] = structuredClone(value);
  }
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc: unknown = structuredClone(target);
  for (const raw of ops) {
    const op = isObject(raw) ? raw : {};
    const path = pointer(op.path);
    switch (op.op) {
      case 'add':
        doc = addAt(doc, path, op.value, false);
        break;
      case 'replace':
        readAt(doc, path);
        doc = addAt(doc, path, op.value, true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
        doc = addAt(doc, path, removeAt(doc, pointer(op.from)), false);
        break;
      case 'copy':
        doc = addAt(doc, path, readAt(doc, pointer(op.from)), false);
        break;
      case 'test':
        if (!deepEqual(readAt(doc, path), op.value))
          throw patchFailed(`testing value /${path.join('/')} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}
