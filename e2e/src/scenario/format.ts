/**
 * The reachability scenario format of ../shared/scenarios/FORMAT.md, validated with zod.
 * Unknown keys are rejected so that a typo never silently drops a step, and every
 * mistake that can be found without a cluster (a matrix of the wrong size, an
 * expectation on a port the pods do not serve, a pod or namespace that does not
 * exist) is reported, naming the field, before anything runs.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { ClusterSchema, Labels, PROTOCOLS, serves, type ClusterSpec } from './clusterSpec.js';
import { placeholderPods } from './placeholders.js';

export type { ClusterSpec, PodSpec, Protocol, ServedPort } from './clusterSpec.js';

const PodRef = z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'must be <namespace>/<pod>');

export const ExpectationSchema = z
  .object({
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(PROTOCOLS).default('TCP'),
    matrix: z.array(z.string().regex(/^[01?]+$/, "cells are '0', '1' or '?'")),
  })
  .strict();
export type Expectation = z.infer<typeof ExpectationSchema>;

export const NETWORK_POLICY = { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1' } as const;
export const CLUSTER_NETWORK_POLICY = { kind: 'ClusterNetworkPolicy', apiVersion: 'policy.networking.k8s.io/v1alpha2' } as const;

export type PolicyRef = { kind: 'NetworkPolicy'; namespace: string; name: string } | { kind: 'ClusterNetworkPolicy'; name: string };

const DeleteSchema = z
  .object({ kind: z.enum([NETWORK_POLICY.kind, CLUSTER_NETWORK_POLICY.kind]).default(NETWORK_POLICY.kind), namespace: z.string().min(1).optional(), name: z.string().min(1) })
  .strict()
  .transform((d, ctx): PolicyRef => {
    if (d.kind === CLUSTER_NETWORK_POLICY.kind) {
      if (d.namespace !== undefined) ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'a ClusterNetworkPolicy is cluster-scoped: no namespace' });
      return { kind: d.kind, name: d.name };
    }
    if (d.namespace === undefined) ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'Required for a NetworkPolicy' });
    return { kind: d.kind, namespace: d.namespace ?? '', name: d.name };
  });

/** A policy manifest: the API server validates the spec; the kind, apiVersion and metadata are checked here. */
const ManifestSchema = z.record(z.string(), z.unknown()).superRefine((m, ctx) => {
  const kinds = [NETWORK_POLICY, CLUSTER_NETWORK_POLICY];
  const kind = kinds.find((k) => k.kind === m.kind);
  if (!kind) return ctx.addIssue({ code: 'custom', path: ['kind'], message: `must be ${kinds.map((k) => k.kind).join(' or ')}` });
  if (m.apiVersion !== kind.apiVersion) ctx.addIssue({ code: 'custom', path: ['apiVersion'], message: `a ${kind.kind} is ${kind.apiVersion}` });
  const md = m.metadata as { name?: unknown; namespace?: unknown } | undefined;
  if (typeof md !== 'object' || md === null) return ctx.addIssue({ code: 'custom', path: ['metadata'], message: 'Required' });
  if (typeof md.name !== 'string' || md.name === '') ctx.addIssue({ code: 'custom', path: ['metadata', 'name'], message: 'Required' });
  if (kind === CLUSTER_NETWORK_POLICY && md.namespace !== undefined)
    ctx.addIssue({ code: 'custom', path: ['metadata', 'namespace'], message: 'a ClusterNetworkPolicy is cluster-scoped: no namespace' });
  if (kind === NETWORK_POLICY && (typeof md.namespace !== 'string' || md.namespace === ''))
    ctx.addIssue({ code: 'custom', path: ['metadata', 'namespace'], message: 'Required for a NetworkPolicy' });
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const StepSchema = z
  .object({
    apply: z.array(ManifestSchema).optional(),
    delete: z.array(DeleteSchema).optional(),
    setPodLabels: z.array(z.object({ pod: PodRef, labels: Labels }).strict()).optional(),
    setNamespaceLabels: z.array(z.object({ namespace: z.string(), labels: Labels }).strict()).optional(),
    recreatePods: z.array(z.object({ pod: PodRef, node: z.number().int().min(0).max(15).optional() }).strict()).optional(),
    expect: z.array(ExpectationSchema).default([]),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    cluster: ClusterSchema,
    steps: z.array(StepSchema).min(1),
  })
  .strict()
  .superRefine((s, ctx) => s.steps.forEach((step, i) => checkStep(s.cluster, step, (path, message) => ctx.addIssue({ code: 'custom', path: ['steps', i, ...path], message }))));
export type Scenario = z.infer<typeof ScenarioSchema>;

/** What a step refers to must exist in the cluster, and every expectation must fit it. */
function checkStep(c: ClusterSpec, step: Step, issue: (path: (string | number)[], message: string) => void): void {
  const pods = new Set(c.pods.map((p) => p.id));
  const namespaces = new Set(c.namespaces.map((n) => n.name));
  const n = c.pods.length;
  step.expect.forEach((e, j) => {
    if (e.matrix.length !== n || e.matrix.some((row) => row.length !== n))
      issue(['expect', j, 'matrix'], `must be ${n} rows of ${n} cells (one per pod, in matrix order)`);
    if (!serves(c, e.port, e.protocol)) issue(['expect', j], `the pods do not serve ${e.protocol}/${e.port} (see cluster.ports)`);
  });
  step.setNamespaceLabels?.forEach((x, j) => namespaces.has(x.namespace) || issue(['setNamespaceLabels', j, 'namespace'], `unknown namespace ${x.namespace}`));
  step.setPodLabels?.forEach((x, j) => pods.has(x.pod) || issue(['setPodLabels', j, 'pod'], `unknown pod ${x.pod}`));
  step.recreatePods?.forEach((x, j) => pods.has(x.pod) || issue(['recreatePods', j, 'pod'], `unknown pod ${x.pod}`));
  step.apply?.forEach((m, j) => {
    for (const p of placeholderPods(m)) if (!pods.has(p)) issue(['apply', j], `placeholder refers to unknown pod ${p}`);
  });
}

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function parseScenarioText(text: string, file: string): LoadedScenario[] {
  const docs = parseAllDocuments(text);
  const out: LoadedScenario[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: YAML error: ${doc.errors[0]!.message}`);
    const data = doc.toJS() as unknown;
    if (data === null || data === undefined) continue;
    const list = typeof data === 'object' && data !== null && 'scenarios' in data ? (data as { scenarios: unknown[] }).scenarios : [data];
    list.forEach((raw, idx) => {
      const parsed = ScenarioSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`${file}: scenario ${idx + 1}: ${describeIssues(parsed.error)}`);
      out.push({ file, scenario: parsed.data });
    });
  }
  const names = new Set<string>();
  for (const s of out) {
    if (names.has(s.scenario.name)) throw new Error(`${file}: duplicate scenario name ${JSON.stringify(s.scenario.name)}`);
    names.add(s.scenario.name);
  }
  return out;
}

/** Loads files and directories (recursively: *.yaml, *.yml, *.json), sorted by path. */
export async function loadScenarios(paths: string[]): Promise<LoadedScenario[]> {
  const files: string[] = [];
  async function walk(p: string): Promise<void> {
    const st = await stat(p);
    if (st.isDirectory()) {
      for (const e of (await readdir(p)).sort()) await walk(path.join(p, e));
    } else if (/\.(ya?ml|json)$/.test(p)) files.push(p);
  }
  for (const p of paths) await walk(p);
  const out: LoadedScenario[] = [];
  for (const f of files) out.push(...parseScenarioText(await readFile(f, 'utf8'), f));
  return out;
}

/** Pods in matrix order: namespaces as listed, pods as listed within each. */
export function matrixOrder(s: Scenario): string[] {
  return s.cluster.pods.map((p) => p.id);
}

/** Whether any step applies or deletes a ClusterNetworkPolicy. */
export function usesClusterPolicies(s: Scenario): boolean {
  return s.steps.some((st) => (st.apply ?? []).some((m) => m.kind === CLUSTER_NETWORK_POLICY.kind) || (st.delete ?? []).some((d) => d.kind === CLUSTER_NETWORK_POLICY.kind));
}
