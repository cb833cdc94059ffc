/**
 * Loads the chart's ClusterNetworkPolicy CRD (charts/palisade/crds/) so that this
 * server validates with exactly the schema a real cluster gets from the chart: the
 * two cannot drift. Read once, at first use.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { OpenApiSchema } from './structural.js';
import { asObject } from './types.js';

/** Same depth from src/ and dist/: packages/kube-api/<dir>/ → repo root. */
export const CNP_CRD_URL = new URL(
  '../../../charts/palisade/crds/clusternetworkpolicies.yaml',
  import.meta.url,
);

export function loadCrdSchema(url: URL = CNP_CRD_URL): OpenApiSchema {
  const crd = asObject(parseYaml(readFileSync(url, 'utf8')));
  const versions = asObject(crd.spec).versions;
  const v = Array.isArray(versions) ? asObject(versions[0]) : {};
  return asObject(asObject(v.schema).openAPIV3Schema);
}
