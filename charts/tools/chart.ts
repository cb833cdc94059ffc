/**
 * Renders a Helm chart the way `helm template` does, for tests: values.yaml merged
 * with override files (maps merge, lists replace, null deletes), values checked
 * against values.schema.json, every template rendered, the output split into YAML
 * documents. Uses the real `helm` when it is on PATH (unless PALISADE_CHART_RENDERER
 * is `builtin`), else the Go-template subset in ./goTemplate.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { renderNodes, type Value } from './goTemplate/evaluate.js';
import { parseTemplate, type Node } from './goTemplate/parse.js';

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

export interface RenderOptions {
  chartDir: string;
  releaseName?: string;
  namespace?: string;
  /** Override values, applied in order over values.yaml. */
  values?: Record<string, unknown>[];
}

export interface RenderResult {
  manifests: Manifest[];
  /** Rendered NOTES.txt (builtin renderer only; helm template does not print it). */
  notes: string | null;
  renderer: 'helm' | 'builtin';
}

export class ValuesError extends Error {
  constructor(readonly errors: ErrorObject[]) {
    super(
      `values don't meet the chart's schema:\n${errors.map((e) => `  ${e.instancePath || '/'}: ${e.message ?? ''}`).join('\n')}`,
    );
    this.name = 'ValuesError';
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's coalescing: maps merge recursively, everything else replaces, null deletes. */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergeValues(out[k], v);
    else out[k] = v;
  }
  return out;
}

export function loadYamlFile(file: string): Record<string, unknown> {
  const v: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (v === null || v === undefined) return {};
  if (!isMap(v)) throw new Error(`${file}: expected a mapping`);
  return v;
}

const validators = new Map<string, (values: unknown) => ErrorObject[]>();

/** The chart's values.schema.json compiled with ajv (draft-07, as Helm reads it); cached per chart. */
export function schemaValidator(chartDir: string): (values: unknown) => ErrorObject[] {
  const cached = validators.get(chartDir);
  if (cached) return cached;
  const schema = JSON.parse(
    readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8'),
  ) as object;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  const check = (values: unknown) => (validate(values) ? [] : [...(validate.errors ?? [])]);
  validators.set(chartDir, check);
  return check;
}

/** Every template file (relative to templates/), sorted, as Helm reads them. */
export function templateFiles(chartDir: string): string[] {
  const root = path.join(chartDir, 'templates');
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const full = path.join(dir, f);
      return statSync(full).isDirectory() ? walk(full) : [path.relative(root, full)];
    });
  return walk(root).sort();
}

export function mergedValues(opts: RenderOptions): Record<string, unknown> {
  let values = loadYamlFile(path.join(opts.chartDir, 'values.yaml'));
  for (const v of opts.values ?? []) values = mergeValues(values, v);
  return values;
}

function helmAvailable(): boolean {
  if (process.env.PALISADE_CHART_RENDERER === 'builtin') return false;
  return spawnSync('helm', ['version', '--short'], { encoding: 'utf8' }).status === 0;
}

function splitDocuments(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new Error(`${source}: invalid YAML: ${doc.errors[0]!.message}\n${text}`);
    const v = doc.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (!isMap(v) || typeof v.kind !== 'string')
      throw new Error(`${source}: a document without kind:\n${String(doc)}`);
    out.push(v as Manifest);
  }
  return out;
}

function renderWithHelm(opts: RenderOptions): Manifest[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'palisade-chart-'));
  try {
    // One -f per override, so that helm does its own merging (null deletes a default).
    const files = (opts.values ?? []).map((v, i) => {
      const file = path.join(dir, `values-${i}.yaml`);
      writeFileSync(file, stringify(v));
      return ['-f', file];
    });
    const res = spawnSync(
      'helm',
      [
        'template',
        opts.releaseName ?? 'palisade',
        opts.chartDir,
        '--namespace',
        opts.namespace ?? 'palisade-system',
        ...files.flat(),
      ],
      { encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`helm template failed: ${res.stderr}`);
    return splitDocuments(res.stdout, 'helm template');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses every template (all branches) and collects the defines of all files. */
export function parseChart(chartDir: string): {
  files: Map<string, Node[]>;
  defines: Map<string, Node[]>;
} {
  const files = new Map<string, Node[]>();
  const defines = new Map<string, Node[]>();
  for (const rel of templateFiles(chartDir)) {
    const parsed = parseTemplate(readFileSync(path.join(chartDir, 'templates', rel), 'utf8'), rel);
    for (const [name, body] of parsed.defines) {
      if (defines.has(name)) throw new Error(`${rel}: template ${name} defined twice`);
      defines.set(name, body);
    }
    files.set(rel, parsed.nodes);
  }
  return { files, defines };
}

function renderBuiltin(
  opts: RenderOptions,
  values: Record<string, unknown>,
): { manifests: Manifest[]; notes: string | null } {
  const chart = loadYamlFile(path.join(opts.chartDir, 'Chart.yaml'));
  const root: Value = {
    Values: values,
    Release: {
      Name: opts.releaseName ?? 'palisade',
      Namespace: opts.namespace ?? 'palisade-system',
      Service: 'Helm',
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const { files, defines } = parseChart(opts.chartDir);
  const manifests: Manifest[] = [];
  let notes: string | null = null;
  for (const [rel, nodes] of files) {
    const base = path.basename(rel);
    if (base.startsWith('_')) continue;
    const text = renderNodes(nodes, root, { root, defines, file: rel, depth: 0 });
    if (base === 'NOTES.txt') notes = text;
    else manifests.push(...splitDocuments(text, rel));
  }
  return { manifests, notes };
}

export function renderChart(opts: RenderOptions): RenderResult {
  const values = mergedValues(opts);
  const errors = schemaValidator(opts.chartDir)(values);
  if (errors.length > 0) throw new ValuesError(errors);
  if (helmAvailable()) return { manifests: renderWithHelm(opts), notes: null, renderer: 'helm' };
  return { ...renderBuiltin(opts, values), renderer: 'builtin' };
}

/** Builtin rendering only (NOTES.txt, renderer tests). */
export function renderChartBuiltin(opts: RenderOptions): {
  manifests: Manifest[];
  notes: string | null;
} {
  const values = mergedValues(opts);
  const errors = schemaValidator(opts.chartDir)(values);
  if (errors.length > 0) throw new ValuesError(errors);
  return renderBuiltin(opts, values);
}
