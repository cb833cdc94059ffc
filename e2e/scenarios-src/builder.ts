/**
 * A tiny builder for conformance scenarios, in the spirit of the upstream Kubernetes
 * NetworkPolicy e2e "reachability" tables: each expectation starts fully open and is
 * narrowed by hand-written rules (predicates over client and server pods). The
 * generated YAML (e2e/scenarios/conformance/*.yaml) is what the runner executes;
 * this file only saves writing 9×9 matrices by hand.
 */
export interface P {
  id: string;
  ns: string;
  pod: string;
}

/** FORMAT.md's long form: `labels` and/or `pods` as maps. */
export interface LongNamespace {
  labels?: Record<string, string>;
  pods?: Record<string, Record<string, string>>;
}

export interface ClusterSpec {
  nodes?: number;
  namespaces?: Record<string, Record<string, string> | LongNamespace>;
  pods?: string[];
  ports?: (number | { port: number; protocol: 'TCP' | 'UDP' | 'SCTP'; name?: string })[];
}

export type Rule = (from: P, to: P) => boolean | undefined;

export interface ExpectSpec {
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Applied in order; the last rule returning a boolean decides a cell. Default: reachable. */
  rules: Rule[];
}

export interface StepSpec {
  apply?: unknown[];
  delete?: ({ namespace: string; name: string } | { kind: 'ClusterNetworkPolicy'; name: string })[];
  setPodLabels?: { pod: string; labels: Record<string, string> }[];
  setNamespaceLabels?: { namespace: string; labels: Record<string, string> }[];
  recreatePods?: { pod: string; node?: number }[];
  expect: ExpectSpec[];
  timeoutSeconds?: number;
}

export interface ScenarioSpec {
  name: string;
  description?: string;
  cluster?: ClusterSpec;
  steps: StepSpec[];
}

const isLong = (v: unknown): v is LongNamespace => {
  const m = v as { labels?: unknown; pods?: unknown };
  return typeof m.labels === 'object' || typeof m.pods === 'object';
};

export function order(c: ClusterSpec = {}): P[] {
  const namespaces = Object.entries(c.namespaces ?? { x: {}, y: {}, z: {} });
  const pods = c.pods ?? ['a', 'b', 'c'];
  return namespaces.flatMap(([ns, v]) => (isLong(v) ? Object.keys(v.pods ?? {}) : pods).map((pod) => ({ id: `${ns}/${pod}`, ns, pod })));
}

export function matrix(c: ClusterSpec, rules: Rule[]): string[] {
  const o = order(c);
  return o.map((from) =>
    o
      .map((to) => {
        if (from.id === to.id) return '1';
        let v = true;
        for (const r of rules) {
          const x = r(from, to);
          if (x !== undefined) v = x;
        }
        return v ? '1' : '0';
      })
      .join(''),
  );
}

export function build(s: ScenarioSpec): unknown {
  const c = s.cluster ?? {};
  const cluster: Record<string, unknown> = {};
  if (c.nodes !== undefined) cluster.nodes = c.nodes;
  if (c.namespaces) cluster.namespaces = c.namespaces;
  if (c.pods) cluster.pods = c.pods;
  if (c.ports) cluster.ports = c.ports;
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    ...(Object.keys(cluster).length ? { cluster } : {}),
    steps: s.steps.map((st) => ({
      ...(st.setNamespaceLabels ? { setNamespaceLabels: st.setNamespaceLabels } : {}),
      ...(st.setPodLabels ? { setPodLabels: st.setPodLabels } : {}),
      ...(st.recreatePods ? { recreatePods: st.recreatePods } : {}),
      ...(st.delete ? { delete: st.delete } : {}),
      ...(st.apply ? { apply: st.apply } : {}),
      ...(st.timeoutSeconds ? { timeoutSeconds: st.timeoutSeconds } : {}),
      expect: st.expect.map((e) => ({ port: e.port, protocol: e.protocol ?? 'TCP', matrix: matrix(c, e.rules) })),
    })),
  };
}

/** A NetworkPolicy manifest. */
export function np(ns: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

// Common rules.
export const blockAll: Rule = () => false;
export const openAll: Rule = () => true;
export const to = (pred: (p: P) => boolean, v: boolean): Rule => (_f, t) => (pred(t) ? v : undefined);
export const from = (pred: (p: P) => boolean, v: boolean): Rule => (f) => (pred(f) ? v : undefined);
export const when = (pred: (f: P, t: P) => boolean, v: boolean): Rule => (f, t) => (pred(f, t) ? v : undefined);
export const is = (id: string) => (p: P): boolean => p.id === id;
export const inNs = (ns: string) => (p: P): boolean => p.ns === ns;
export const podIs = (...pods: string[]) => (p: P): boolean => pods.includes(p.pod);
