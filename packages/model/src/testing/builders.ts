/**
 * Builders for valid model objects in tests. Each takes the identity first and then
 * tweaks: partial fields merged into `spec`, or functions that edit the object. The
 * result is parsed by its schema, so a tweak that makes it invalid throws at once.
 */
import { createHash } from 'node:crypto';
import { API_VERSION } from '../schema/common.js';
import type { Labels } from '../schema/common.js';
import { AgentStatusSchema } from '../schema/agentStatus.js';
import type { AgentStatus } from '../schema/agentStatus.js';
import { EndpointSchema } from '../schema/endpoint.js';
import type { Endpoint, EndpointInput } from '../schema/endpoint.js';
import { NamespaceSchema } from '../schema/namespace.js';
import type { Namespace } from '../schema/namespace.js';
import { PolicySchema } from '../schema/policy.js';
import type { Policy, PolicyInput } from '../schema/policy.js';
import { policySelector } from '../selector/index.js';

export type Tweak<T, Spec> = Partial<Spec> | ((obj: T) => T | void);

function applyTweaks<T extends { spec: object }>(
  obj: T,
  tweaks: readonly Tweak<T, T['spec']>[],
): T {
  let out = obj;
  for (const tweak of tweaks) {
    if (typeof tweak === 'function') out = tweak(out) ?? out;
    else out = { ...out, spec: { ...out.spec, ...tweak } };
  }
  return out;
}

/** A stable IPv4 address in 10.0.0.0/8 derived from `ns/name` (set `ips` when it matters). */
export function stableTestIp(ns: string, name: string): string {
  const d = createHash('sha256').update(`${ns}/${name}`).digest();
  return `10.${d[0] ?? 0}.${d[1] ?? 0}.${((d[2] ?? 0) % 254) + 1}`;
}

export type EndpointTweak = Tweak<EndpointInput, EndpointInput['spec']>;

/** A pod endpoint on `node-1` with a stable IP and no labels unless tweaked. */
export function makeEndpoint(ns: string, name: string, ...tweaks: EndpointTweak[]): Endpoint {
  const base: EndpointInput = {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace: ns, name },
    spec: { node: 'node-1', ips: [stableTestIp(ns, name)], labels: {}, ports: [] },
  };
  return EndpointSchema.parse(applyTweaks(base, tweaks));
}

export type PolicyTweak = Tweak<PolicyInput, PolicyInput['spec']>;

/** A policy selecting every pod of `ns` with ingress isolation and no rules (default deny ingress). */
export function makePolicy(ns: string, name: string, ...tweaks: PolicyTweak[]): Policy {
  const base: PolicyInput = {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace: ns, name },
    spec: {
      order: 1000,
      selector: policySelector({}, ns),
      types: ['Ingress'],
      ingress: [],
      egress: [],
    },
  };
  return PolicySchema.parse(applyTweaks(base, tweaks));
}

/** A namespace with exactly these labels. */
export function makeNamespace(name: string, labels: Labels = {}): Namespace {
  return NamespaceSchema.parse({
    apiVersion: API_VERSION,
    kind: 'Namespace',
    metadata: { name },
    spec: { labels },
  });
}

export type AgentStatusTweak = Tweak<AgentStatus, Partial<AgentStatus['status']>>;

/** An in-sync agent status for `node` with zero counts. */
export function makeAgentStatus(node: string, ...tweaks: AgentStatusTweak[]): AgentStatus {
  let status: AgentStatus = {
    apiVersion: API_VERSION,
    kind: 'AgentStatus',
    metadata: { name: node },
    status: {
      version: '0.1.0',
      startedAt: '2024-01-01T00:00:00.000Z',
      inSync: true,
      programmedRevision: '1',
      counts: { endpoints: 0, localEndpoints: 0, policies: 0, chains: 0, ipsets: 0 },
      lastApply: null,
      lastError: null,
      invalidKeys: {},
      ipConflicts: [],
    },
  };
  for (const tweak of tweaks) {
    if (typeof tweak === 'function') status = tweak(status) ?? status;
    else status = { ...status, status: { ...status.status, ...tweak } };
  }
  return AgentStatusSchema.parse(status);
}
