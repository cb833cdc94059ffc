/* eslint-disable @typescript-eslint/no-explicit-any -- fields of rendered manifests the tests read freely */
/** Shared builders for the chart tests (rendering is the real `helm template`, see helm.ts). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadYamlFile,
  renderChart,
  type Manifest,
  type RenderOptions,
  type RenderResult,
} from './helm.js';

export const CHART_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(CHART_DIR, '../..');
export const RELEASE = 'pal';
export const NAMESPACE = 'palisade-system';

/** The value sets every manifest check runs against: the defaults and each example. */
export const VALUE_SETS: { name: string; values: Record<string, unknown>[] }[] = [
  { name: 'defaults', values: [] },
  {
    name: 'examples/bundled-etcd.yaml',
    values: [loadYamlFile(path.join(CHART_DIR, 'examples/bundled-etcd.yaml'))],
  },
  {
    name: 'examples/external-etcd-tls.yaml',
    values: [loadYamlFile(path.join(CHART_DIR, 'examples/external-etcd-tls.yaml'))],
  },
  {
    name: 'examples/grpc-proxy.yaml',
    values: [loadYamlFile(path.join(CHART_DIR, 'examples/grpc-proxy.yaml'))],
  },
];

export const EXTERNAL = {
  etcd: {
    bundled: { enabled: false },
    endpoints: ['https://etcd-0.example:2379'],
    tls: { enabled: true, secretName: 'etcd-client' },
  },
};

export function render(...values: Record<string, unknown>[]): RenderResult {
  return renderChart({ chartDir: CHART_DIR, releaseName: RELEASE, namespace: NAMESPACE, values });
}

/** render() with helm options, e.g. `{ apiVersions: ['monitoring.coreos.com/v1'] }`. */
export function renderWith(
  opts: Pick<RenderOptions, 'apiVersions' | 'includeCrds' | 'kubeVersion'>,
  ...values: Record<string, unknown>[]
): RenderResult {
  return renderChart({
    ...opts,
    chartDir: CHART_DIR,
    releaseName: RELEASE,
    namespace: NAMESPACE,
    values,
  });
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m)
    throw new Error(
      `no ${kind} ${name} in ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return m;
}

export interface Container {
  name: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, any> }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: Record<string, any>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
export interface Probe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
}
export interface PodSpec {
  containers: Container[];
  volumes?: {
    name: string;
    hostPath?: { path: string; type?: string };
    secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
  }[];
  tolerations?: Record<string, unknown>[];
  securityContext?: Record<string, any>;
  hostNetwork?: boolean;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  priorityClassName?: string;
  [k: string]: unknown;
}

export function podSpec(m: Manifest): PodSpec {
  const spec = m.spec as { template?: { spec: PodSpec } };
  if (!spec.template) throw new Error(`${m.kind}/${m.metadata.name} has no pod template`);
  return spec.template.spec;
}

export function workloads(manifests: Manifest[]): Manifest[] {
  return manifests.filter((m) =>
    ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(m.kind),
  );
}

export function envOf(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}
