/**
 * The reachability scenario format of ../shared/scenarios/FORMAT.md, validated with zod.
 * Unknown keys are rejected so that a typo never silently drops a step.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

const Labels = z.record(z.string(), z.string());
const PodRef = z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'must be <namespace>/<pod>');

export const ExpectationSchema = z
  .object({
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
    matrix: z.array(z.string().regex(/^[01?]+$/, "cells are '0', '1' or '?'")),
  })
  .strict();
export type Expectation = z.infer<typeof ExpectationSchema>;

export const StepSchema = z
  .object({
    apply: z.array(z.record(z.string(), z.unknown())).optional(),
    delete: z.array(z.object({ namespace: z.string(), name: z.string() }).strict()).optional(),
    setPodLabels: z.array(z.object({ pod: PodRef, labels: Labels }).strict()).optional(),
    setNamespaceLabels: z.array(z.object({ namespace: z.string(), labels: Labels }).strict()).optional(),
    recreatePods: z.array(z.object({ pod: PodRef, node: z.number().int().min(0).optional() }).strict()).optional(),
    expect: z.array(ExpectationSchema).default([]),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    cluster: z
      .object({
        nodes: z.number().int().min(1).max(16).default(2),
        namespaces: z.record(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), Labels.nullable()).default({ x: {}, y: {}, z: {} }),
        pods: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)).min(1).default(['a', 'b', 'c']),
        ports: z.array(z.number().int().min(1).max(65535)).min(1).default([80, 81]),
      })
      .strict()
      .default({}),
    steps: z.array(StepSchema).min(1),
  })
  .strict()
  .superRefine((s, ctx) => {
    const n = Object.keys(s.cluster.namespaces).length * s.cluster.pods.length;
    s.steps.forEach((step, i) =>
      step.expect.forEach((e, j) => {
        const bad = e.matrix.length !== n || e.matrix.some((row) => row.length !== n);
        if (bad)
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'expect', j, 'matrix'], message: `must be ${n} rows of ${n} cells (namespaces × pods)` });
      }),
    );
  });
export type Scenario = z.infer<typeof ScenarioSchema>;

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
  return Object.keys(s.cluster.namespaces).flatMap((ns) => s.cluster.pods.map((p) => `${ns}/${p}`));
}
