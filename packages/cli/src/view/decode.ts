/**
 * Turns one raw listing of /palisade/v1/ into ModelData: every value is validated with
 * its schema (chosen by the key's kind); values that fail are kept as `invalid` so the
 * CLI can report them instead of hiding them.
 */
import { AgentStatusSchema, EndpointSchema, NamespaceSchema, PolicySchema, errorMessage, parseKey } from '@palisade/model';
import type { Schema } from '@palisade/datastore';
import type { ModelData, Stored } from './modelView.js';

export interface RawItem {
  key: string;
  value: string;
  modRevision: string;
}

function decode<T>(item: RawItem, schema: Schema<T>): Stored<T> {
  const json: unknown = JSON.parse(item.value);
  const res = schema.safeParse(json);
  if (!res.success)
    throw new Error(res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return { key: item.key, value: res.data, raw: item.value, modRevision: item.modRevision };
}

const maxRev = (a: string, b: string): string => (BigInt(a) >= BigInt(b) ? a : b);

/** `leader` is filled in separately (it lives under an election prefix, not in one key). */
export function decodeModel(items: RawItem[], revision: string): ModelData {
  const data: ModelData = {
    revision,
    modelRevision: '0',
    policies: [],
    endpoints: [],
    namespaces: [],
    agents: [],
    leader: null,
    invalid: [],
  };
  for (const item of items) {
    const k = parseKey(item.key);
    if (k === null || k.kind === 'leader') continue;
    try {
      switch (k.kind) {
        case 'policy':
          data.policies.push(decode(item, PolicySchema));
          break;
        case 'endpoint':
          data.endpoints.push(decode(item, EndpointSchema));
          break;
        case 'namespace':
          data.namespaces.push(decode(item, NamespaceSchema));
          break;
        case 'agent':
          data.agents.push(decode(item, AgentStatusSchema));
          break;
      }
    } catch (err) {
      data.invalid.push({ key: item.key, error: errorMessage(err) });
    }
    if (k.kind !== 'agent') data.modelRevision = maxRev(data.modelRevision, item.modRevision);
  }
  return data;
}
