/**
 * Turns one raw listing of /palisade/v1/ into ModelData. Every value goes through the
 * model's decodeStoredValue (JSON, schema, metadata matching the key); values that
 * fail are kept as `invalid` so the CLI reports them instead of hiding them. A policy
 * whose selectors do not parse is invalid too, exactly as the agents judge it
 * (containment.ts), so that it is shown as the deny-all the agents enforce; the same
 * holds for a cluster policy (clusterContainment.ts).
 */
import {
  CLUSTER_POLICY_PREFIX,
  ENDPOINT_PREFIX,
  NAMESPACE_PREFIX,
  POLICY_PREFIX,
  decodeStoredValue,
  policySelectorError as selectorError,
} from '@palisade/model';
import { policySelectorError } from './containment.js';
import type { ModelData } from './modelView.js';

export interface RawItem {
  key: string;
  value: string;
  modRevision: string;
}

const MODEL_PREFIXES = [POLICY_PREFIX, CLUSTER_POLICY_PREFIX, ENDPOINT_PREFIX, NAMESPACE_PREFIX];
const maxRev = (a: string, b: string): string => (BigInt(a) >= BigInt(b) ? a : b);

export function decodeModel(items: RawItem[], revision: string): ModelData {
  const data: ModelData = {
    revision,
    modelRevision: '0',
    policies: [],
    clusterPolicies: [],
    endpoints: [],
    namespaces: [],
    agents: [],
    leader: null,
    invalid: [],
  };
  for (const item of items) {
    const d = decodeStoredValue(item.key, item.value);
    const error = !d.ok
      ? d.error
      : d.kind === 'policy'
        ? policySelectorError(d.value)
        : d.kind === 'clusterPolicy'
          ? selectorError(d.value)
          : null;
    if (!d.ok || error !== null) {
      data.invalid.push({ key: item.key, error: error ?? '', modRevision: item.modRevision });
    } else {
      const stored = { key: item.key, raw: item.value, modRevision: item.modRevision };
      switch (d.kind) {
        case 'policy':
          data.policies.push({ ...stored, value: d.value });
          break;
        case 'endpoint':
          data.endpoints.push({ ...stored, value: d.value });
          break;
        case 'namespace':
          data.namespaces.push({ ...stored, value: d.value });
          break;
        case 'agent':
          data.agents.push({ ...stored, value: d.value });
          break;
        case 'clusterPolicy':
          data.clusterPolicies.push({ ...stored, value: d.value });
          break;
        case 'leader':
          data.leader = { id: d.value.holder, since: d.value.since };
          break;
        case 'lastDelete':
          // A deletion leaves no key: the controller's marker says when the newest was,
          // so agents that have not programmed it yet count as behind.
          data.modelRevision = maxRev(data.modelRevision, d.value.revision);
          break;
      }
    }
    // Agents program policy/, clusterpolicy/, endpoint/ and namespace/ writes (invalid ones included:
    // they contain them); their own status and the leader key are not theirs to program.
    if (MODEL_PREFIXES.some((p) => item.key.startsWith(p)))
      data.modelRevision = maxRev(data.modelRevision, item.modRevision);
  }
  return data;
}
