/**
 * Runs scenarios against a real cluster. One cluster (etcd, API server, controller,
 * agents) serves every scenario of a run; each scenario gets fresh namespaces, pods
 * and policies. After each step the matrix is probed until every checked cell matches
 * or the step's deadline passes; the convergence time is reported.
 */
import { existsSync } from 'node:fs';
import type { Cluster } from '../harness/cluster.js';
import { describeError } from '../harness/kube.js';
import { matrixOrder, type Expectation, type LoadedScenario, type Manifest, type Scenario, type Step } from './format.js';
import { formatMatrix, probeMatrix } from './matrix.js';
import { substitute } from './placeholders.js';

export interface RunOptions {
  probeTimeoutMs: number;
  out: (line: string) => void;
  /** Print the observed matrices after every step, not only on failure (the demo does). */
  showMatrices?: boolean;
  /** Called after each step converged (e.g. to compare palisadectl explain with reality). */
  afterStep?: (ctx: { scenario: Scenario; stepIndex: number; cluster: Cluster }) => Promise<string[]>;
}

export interface ScenarioResult {
  name: string;
  file: string;
  passed: boolean;
  skipped: string[];
  error?: string;
  stepTimesMs: number[];
}

export const SCTP_SUPPORTED = existsSync('/proc/sys/net/sctp');

/**
 * The known state a scenario starts from, whatever the previous one left (a failed
 * step, an error half-way through creating pods): no pods or policies of this run,
 * exactly the scenario's namespaces (this run's, with the scenario's labels), then
 * the scenario's pods. Namespaces that stay are reused, not re-created.
 */
async function resetWorkloads(cluster: Cluster, s: Scenario): Promise<void> {
  await cluster.resetPods();
  const wanted = s.cluster.namespaces.map((n) => n.name);
  for (const ns of await cluster.kube.ownedNamespaces()) if (!wanted.includes(ns)) await cluster.kube.deleteNamespace(ns);
  for (const { name, labels } of s.cluster.namespaces) await cluster.kube.ensureNamespace(name, labels);
  await cluster.ensureNodes(s.cluster.nodes);
  // allSettled: no pod may still be in the making when this scenario ends.
  const made = await Promise.allSettled(
    s.cluster.pods.map((p, i) => cluster.addPod({ namespace: p.namespace, name: p.name, labels: p.labels, nodeIndex: i % s.cluster.nodes, ports: s.cluster.ports })),
  );
  const failed = made.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The documented order: namespace labels, pod labels, pod re-creation, deletes, applies. */
async function applyStep(cluster: Cluster, step: Step): Promise<void> {
  for (const { namespace, labels } of step.setNamespaceLabels ?? []) await cluster.kube.setNamespaceLabels(namespace, labels);
  for (const { pod, labels } of step.setPodLabels ?? []) {
    const [ns, name] = pod.split('/') as [string, string];
    await cluster.kube.setPodLabels(ns, name, labels);
    const p = cluster.pods.get(pod);
    if (p) p.labels = labels;
  }
  for (const { pod, node } of step.recreatePods ?? []) {
    const p = cluster.pods.get(pod);
    if (!p) throw new Error(`recreatePods: unknown pod ${pod}`);
    await cluster.removePod(pod);
    await cluster.addPod({ namespace: p.namespace, name: p.name, labels: p.labels, nodeIndex: node ?? p.nodeIndex, ports: cluster.currentPorts });
  }
  for (const ref of step.delete ?? []) {
    if (ref.kind === 'ClusterNetworkPolicy') await cluster.kube.clusterPolicies.delete(ref.name);
    else await cluster.kube.deleteNetworkPolicy(ref.namespace, ref.name);
  }
  const ipOf = (pod: string): string => {
    const p = cluster.pods.get(pod);
    if (!p) throw new Error(`placeholder refers to unknown pod ${pod}`);
    return p.net.ips[0]!;
  };
  for (const manifest of step.apply ?? []) {
    const m = substitute(manifest, ipOf);
    if (m.kind === 'ClusterNetworkPolicy') await cluster.kube.clusterPolicies.apply(m);
    else await cluster.kube.applyNetworkPolicy(m);
  }
}

function describeStep(step: Step): string {
  const parts: string[] = [];
  if (step.setNamespaceLabels?.length) parts.push(`label ns ${step.setNamespaceLabels.map((x) => x.namespace).join(',')}`);
  if (step.setPodLabels?.length) parts.push(`label ${step.setPodLabels.map((x) => x.pod).join(',')}`);
  if (step.recreatePods?.length) parts.push(`recreate ${step.recreatePods.map((x) => x.pod).join(',')}`);
  if (step.delete?.length) parts.push(`delete ${step.delete.map((x) => (x.kind === 'ClusterNetworkPolicy' ? `cnp/${x.name}` : `${x.namespace}/${x.name}`)).join(',')}`);
  if (step.apply?.length) parts.push(`apply ${step.apply.map(describeManifest).join(',')}`);
  return parts.join('; ') || 'no changes';
}

function describeManifest(m: Manifest): string {
  const md = (m.metadata ?? {}) as { namespace?: string; name?: string };
  return m.kind === 'ClusterNetworkPolicy' ? `cnp/${md.name ?? '?'}` : `${md.namespace ?? '?'}/${md.name ?? '?'}`;
}

/**
 * ipBlock (NetworkPolicy) and networks (ClusterNetworkPolicy) peers are CIDRs of one
 * family; the placeholders give IPv4 ones.
 */
function usesCidrPeers(step: Step): boolean {
  return (step.apply ?? []).some((m) => {
    const text = JSON.stringify(m.spec ?? {});
    return m.kind === 'ClusterNetworkPolicy' ? text.includes('"networks":') : text.includes('"ipBlock":');
  });
}

/** Probes until all expectations match at once, or the deadline. */
async function checkStep(cluster: Cluster, order: string[], expects: Expectation[], deadline: number, opts: RunOptions & { firstIpOnly: boolean }) {
  for (;;) {
    const roundStart = Date.now();
    const results = await Promise.all(
      expects.map((e) => probeMatrix({ cluster, order, expected: e.matrix, port: e.port, protocol: e.protocol as 'TCP' | 'UDP', timeoutMs: opts.probeTimeoutMs, firstIpOnly: opts.firstIpOnly })),
    );
    if (results.every((r) => r.diffs.length === 0)) return { ok: true as const, roundStart, results };
    if (Date.now() >= deadline) return { ok: false as const, roundStart, results };
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runScenario(cluster: Cluster, loaded: LoadedScenario, opts: RunOptions): Promise<ScenarioResult> {
  const s = loaded.scenario;
  const result: ScenarioResult = { name: s.name, file: loaded.file, passed: true, skipped: [], stepTimesMs: [] };
  opts.out(`\n=== ${s.name}  (${loaded.file})`);
  try {
    cluster.currentPorts = s.cluster.ports;
    await resetWorkloads(cluster, s);
    const order = matrixOrder(s);
    // CIDR peers are single-family by nature: once a scenario uses one, a dual-stack
    // run compares only the IPv4 addresses (the expectations are written for them).
    let familySpecific = false;
    for (const [i, step] of s.steps.entries()) {
      const start = Date.now();
      await applyStep(cluster, step);
      if (cluster.topology.dualStack && !familySpecific && usesCidrPeers(step)) {
        familySpecific = true;
        opts.out('  (ipBlock or networks in use: probing IPv4 addresses only from here on)');
      }
      const runnable = step.expect.filter((e) => e.protocol !== 'SCTP' || SCTP_SUPPORTED);
      for (const e of step.expect.filter((x) => !runnable.includes(x)))
        result.skipped.push(`step ${i + 1}: ${e.protocol}/${e.port} skipped: this kernel has no SCTP support`);
      const check = await checkStep(cluster, order, runnable, start + step.timeoutSeconds * 1000, { ...opts, firstIpOnly: familySpecific });
      const ms = check.roundStart - start;
      result.stepTimesMs.push(ms);
      const label = `step ${i + 1} (${describeStep(step)})`;
      if (check.ok) {
        opts.out(`  ${label}: converged in ${ms} ms`);
        if (opts.showMatrices)
          check.results.forEach((r, k) => opts.out(`    ${runnable[k]!.protocol}/${runnable[k]!.port}:\n${indent(formatMatrix(order, r.observed))}`));
      }
      else {
        result.passed = false;
        opts.out(`  ${label}: FAILED, no match within ${step.timeoutSeconds} s`);
        check.results.forEach((r, k) => {
          const e = runnable[k]!;
          if (r.diffs.length === 0) return;
          opts.out(`    ${e.protocol}/${e.port} expected:\n${indent(formatMatrix(order, e.matrix))}`);
          opts.out(`    ${e.protocol}/${e.port} observed (^ marks differences):\n${indent(formatMatrix(order, r.observed, e.matrix))}`);
          for (const d of r.diffs) opts.out(`      ${d.from} -> ${d.to}: expected ${d.expected}, observed ${d.observed}${d.detail ? ` (${d.detail})` : ''}`);
        });
      }
      for (const e of step.expect.filter((x) => !runnable.includes(x))) opts.out(`    ${e.protocol}/${e.port}: SKIPPED (this kernel has no SCTP support)`);
      if (check.ok && opts.afterStep) {
        const problems = await opts.afterStep({ scenario: s, stepIndex: i, cluster });
        if (problems.length > 0) {
          result.passed = false;
          for (const p of problems) opts.out(`    ${p}`);
        }
      }
    }
  } catch (err) {
    result.passed = false;
    result.error = describeError(err);
    opts.out(`  ERROR: ${result.error}`);
  }
  opts.out(`--- ${result.passed ? 'PASS' : 'FAIL'}: ${s.name}`);
  return result;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}
