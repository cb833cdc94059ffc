/**
 * Discovery documents (legacy, non-aggregated) and a minimal OpenAPI v3 index.
 *
 * The OpenAPI v3 documents carry only what kubectl inspects: one PATCH operation
 * per kind with `x-kubernetes-group-version-kind` and the `fieldValidation` query
 * parameter, so `kubectl apply` (validate=strict) uses server-side field validation
 * instead of downloading schemas. No requestBody is listed, so kubectl builds its
 * strategic merge patches from its compiled-in types, as for any built-in kind.
 */
import { RESOURCES, apiVersionOf, type ResourceDef } from './resources.js';
import type { JsonObject } from './types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T00:00:00Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groups(): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))];
}

function apiGroup(group: string): JsonObject {
  const versions = [
    ...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version)),
  ].map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

export function apiGroupDoc(group: string): JsonObject | undefined {
  return groups().includes(group)
    ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) }
    : undefined;
}

/** Namespaces are the one resource here without deletecollection; custom resources have it. */
export function hasDeleteCollection(def: ResourceDef): boolean {
  return def.namespaced || def.custom === true;
}

function resourceEntries(def: ResourceDef): JsonObject[] {
  const main: JsonObject = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: hasDeleteCollection(def) ? VERBS : VERBS.filter((v) => v !== 'deletecollection'),
    shortNames: def.shortNames,
  };
  if (def.categories.length > 0) main.categories = def.categories;
  const out = [main];
  if (def.hasStatus) {
    out.push({
      name: `${def.plural}/status`,
      singularName: '',
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  return out;
}

export function apiResourceList(group: string, version: string): JsonObject | undefined {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (defs.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: defs.flatMap(resourceEntries),
  };
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiV3Index(): JsonObject {
  const paths: JsonObject = {};
  for (const def of RESOURCES) {
    const p = gvPath(def.group, def.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=0` };
  }
  return { paths };
}

const FIELD_VALIDATION_PARAM = {
  name: 'fieldValidation',
  in: 'query',
  description:
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  schema: { type: 'string', uniqueItems: true },
};

/** The per-group-version document for `/openapi/v3/<path>`, or undefined. */
export function openApiV3Doc(path: string): JsonObject | undefined {
  const defs = RESOURCES.filter((d) => gvPath(d.group, d.version) === path);
  if (defs.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const def of defs) {
    const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
    const ns = def.namespaced ? '/namespaces/{namespace}' : '';
    paths[`${base}${ns}/${def.plural}/{name}`] = {
      patch: {
        operationId: `patch${def.kind}`,
        parameters: [FIELD_VALIDATION_PARAM],
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': {
          group: def.group,
          version: def.version,
          kind: def.kind,
        },
      },
    };
  }
  const title = defs[0] ? apiVersionOf(defs[0]) : path;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: `v1.32.0 (${title})` },
    paths,
    components: { schemas: {} },
  };
}
