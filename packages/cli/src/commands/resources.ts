/** Resource names and aliases (kubectl-style), and `ns/name` argument parsing. */
import { PalisadeError } from '@palisade/model';

export type Resource = 'policies' | 'clusterpolicies' | 'endpoints' | 'namespaces' | 'nodes';

const ALIASES: Record<string, Resource> = {
  policies: 'policies',
  policy: 'policies',
  pol: 'policies',
  pols: 'policies',
  clusterpolicies: 'clusterpolicies',
  clusterpolicy: 'clusterpolicies',
  cnp: 'clusterpolicies',
  cnps: 'clusterpolicies',
  clusternetworkpolicies: 'clusterpolicies',
  clusternetworkpolicy: 'clusterpolicies',
  endpoints: 'endpoints',
  endpoint: 'endpoints',
  ep: 'endpoints',
  eps: 'endpoints',
  namespaces: 'namespaces',
  namespace: 'namespaces',
  ns: 'namespaces',
  nodes: 'nodes',
  node: 'nodes',
  no: 'nodes',
};

export const RESOURCE_WORDS = Object.keys(ALIASES);

export function parseResource(word: string): Resource {
  const r = ALIASES[word.toLowerCase()];
  if (!r)
    throw new PalisadeError(
      'INVALID_INPUT',
      `unknown resource type ${JSON.stringify(word)} (expected policies|pol, clusterpolicies|cnp, endpoints|ep, namespaces|ns or nodes)`,
      { fields: { resource: word } },
    );
  return r;
}

export const SINGULAR: Record<Resource, string> = {
  policies: 'policy',
  clusterpolicies: 'cluster policy',
  endpoints: 'endpoint',
  namespaces: 'namespace',
  nodes: 'node',
};

/** `name` or `ns/name`; the namespace in the argument wins over -n. */
export function splitName(arg: string, namespace: string): { namespace: string; name: string } {
  const parts = arg.split('/');
  if (parts.length === 1) return { namespace, name: arg };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new PalisadeError('INVALID_INPUT', `invalid name ${JSON.stringify(arg)} (expected <name> or <namespace>/<name>)`);
}
