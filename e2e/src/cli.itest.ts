/**
 * The scenario runner as a user runs it (`e2e run`, a child process), on one shared
 * test API server standing in for a real cluster (E2E_KUBECONFIG): leftovers of a run
 * killed with SIGKILL, failures that must not spill into later scenarios, and a clean
 * cluster and host after every run. Scenarios are tiny (one node, two pods) to keep
 * this fast.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startKubeApi, type KubeApi } from '@palisade/kube-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness/components.js';
import { ownedNetns, ownedProcesses } from './harness/leftovers.js';
import { listNetns } from './harness/netns.js';
import { OWNER_LABEL, ownerOf } from './harness/owner.js';
import { run } from './harness/sh.js';

const PREFIX = 'palit-';
const CLI = path.join(REPO_ROOT, 'e2e/src/cli.ts');
const BOOTSTRAP = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const isRoot = process.getuid?.() === 0;

interface Runner {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startRunner(kubeconfig: string, args: string[]): Runner {
  const child = spawn(process.execPath, ['--conditions=palisade-source', '--import', 'tsx', CLI, 'run', '--prefix', PREFIX, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, E2E_KUBECONFIG: kubeconfig, PALISADE_E2E_DIST: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number, runner?: Runner): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${runner?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A one-step scenario with two pods in namespace x on one node; `deny` isolates x/b. */
function passing(name: string, deny: boolean): string {
  const apply = deny
    ? `    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: deny-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: b}}, policyTypes: [Ingress]}}
`
    : '';
  return `- name: ${name}
  cluster: {nodes: 1, namespaces: {x: {}}, pods: [a, b], ports: [80]}
  steps:
  - expect: [{port: 80, protocol: TCP, matrix: ["${deny ? '10' : '11'}", "11"]}]
${apply}`;
}

const DENY_ALL_X = '{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: deny-all, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress]}}';

/**
 * Fails while creating its pods: the API rejects the third pod (its label value is too
 * long). The scenario parser checks names but leaves label values to the API server.
 */
const FAILS_CREATING_A_POD = `- name: fails creating a pod
  cluster: {nodes: 1, namespaces: {x: {pods: {a: {pod: a}, b: {pod: b}, c: {pod: ${'p'.repeat(64)}}}}}, ports: [80]}
  steps:
  - expect: []
`;

/**
 * Fails twice: a step that can never match (a pod always reaches itself), leaving a
 * policy behind, then a step that re-creates a pod and applies a policy the API rejects.
 */
const FAILS_IN_ITS_STEPS = `- name: fails in its steps
  cluster: {nodes: 1, namespaces: {x: {}}, pods: [a, b], ports: [80]}
  steps:
  - apply: [${DENY_ALL_X}]
    expect: [{port: 80, protocol: TCP, matrix: ["00", "00"]}]
    timeoutSeconds: 1
  - recreatePods: [{pod: x/a}]
    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: bad, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 70000}]}]}}
`;

/**
 * Stays in its step (an expectation that can never match: a pod always reaches itself;
 * long deadline) until the test kills the runner. An expectation that only contradicts
 * the policy would match for a moment before the policy is enforced.
 */
const KILLED_MID_SCENARIO = `- name: killed mid-scenario
  cluster: {nodes: 1, namespaces: {x: {}, y: {}}, pods: [a, b], ports: [80]}
  steps:
  - apply: [${DENY_ALL_X}]
    expect: [{port: 80, protocol: TCP, matrix: ["0111", "1011", "1101", "1110"]}]
    timeoutSeconds: 300
`;

describe.skipIf(!isRoot)('e2e run on a shared cluster', () => {
  let api: KubeApi;
  let dir: string;
  let core: k8s.CoreV1Api;
  let net: k8s.NetworkingV1Api;
  let custom: k8s.CustomObjectsApi;
  const cnpResource = { group: 'policy.networking.k8s.io', version: 'v1alpha2', plural: 'clusternetworkpolicies' };

  /** Names of all ClusterNetworkPolicies; none where the resource is not served. */
  async function clusterPolicies(): Promise<string[]> {
    try {
      const list = (await custom.listClusterCustomObject(cnpResource)) as { items: { metadata: { name: string } }[] };
      return list.items.map((i) => i.metadata.name).sort();
    } catch (err) {
      if ((err as { code?: number }).code === 404) return [];
      throw err;
    }
  }

  async function scenarioFile(name: string, ...scenarios: string[]): Promise<string> {
    const file = path.join(dir, `${name}.yaml`);
    await writeFile(file, `scenarios:\n${scenarios.join('')}`);
    return file;
  }

  async function apiObjects(): Promise<{ namespaces: string[]; pods: string[]; policies: string[]; clusterPolicies: string[] }> {
    const ns = await core.listNamespace();
    const pods = await core.listPodForAllNamespaces();
    const nps = await net.listNetworkPolicyForAllNamespaces();
    return {
      namespaces: ns.items.map((n) => n.metadata!.name!).sort(),
      pods: pods.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`),
      policies: nps.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`),
      clusterPolicies: await clusterPolicies(),
    };
  }

  /** Processes that mention the run's directory or carry its owner marker. */
  async function harnessProcesses(): Promise<string[]> {
    const runDir = path.join(os.tmpdir(), `${PREFIX}run`);
    const found = new Set((await ownedProcesses(PREFIX)).map(String));
    for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
      if (cmd.includes(runDir)) found.add(pid);
    }
    return [...found];
  }

  /** Nothing of the harness on the API server or on the host. */
  async function expectNothingLeft(): Promise<void> {
    expect(await apiObjects()).toEqual({ namespaces: BOOTSTRAP, pods: [], policies: [], clusterPolicies: [] });
    expect(await ownedNetns(PREFIX)).toEqual([]);
    expect((await listNetns()).filter((n) => n.startsWith(PREFIX))).toEqual([]);
    const veths = (await run('ip', ['-o', 'link', 'show', 'type', 'veth'])).stdout;
    expect(veths).not.toMatch(/\d+: (pw[0-9a-f]{10}|fab\d+)[@:]/);
    expect(await harnessProcesses()).toEqual([]);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-runner-itest-'));
    api = await startKubeApi({ dir });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    net = kc.makeApiClient(k8s.NetworkingV1Api);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
  });

  afterAll(async () => {
    await run(process.execPath, ['--conditions=palisade-source', '--import', 'tsx', CLI, 'cleanup', '--prefix', PREFIX], { allowFail: true });
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops before creating anything when a namespace it needs exists without its label', async () => {
    await core.createNamespace({ body: { metadata: { name: 'x', labels: { team: 'someone-else' } } } });
    const runner = startRunner(api.kubeconfigPath, [await scenarioFile('foreign', passing('uses x', false))]);
    expect(await runner.exit).toBe(2);
    expect(runner.output()).toMatch(/namespace x already exists on the cluster without the label e2e\.palisade\.io\/owner=palit-harness/);
    const x = await core.readNamespace({ name: 'x' });
    expect(x.metadata?.labels).toEqual({ team: 'someone-else', 'kubernetes.io/metadata.name': 'x' });
    expect(x.metadata?.deletionTimestamp).toBeUndefined();
    await core.deleteNamespace({ name: 'x' });
    await until('namespace x gone', async () => !(await apiObjects()).namespaces.includes('x'), 10_000);
    await expectNothingLeft();
  }, 60_000);

  it('a second run passes after the first was killed with SIGKILL mid-scenario, and leaves nothing', async () => {
    const first = startRunner(api.kubeconfigPath, ['--no-explain', await scenarioFile('killed', KILLED_MID_SCENARIO)]);
    await until(
      'the first run to be inside its step',
      async () => {
        const o = await apiObjects();
        return o.policies.includes('x/deny-all') && o.pods.length === 4 && first.output().includes('=== killed mid-scenario');
      },
      180_000,
      first,
    );
    first.child.kill('SIGKILL');
    expect(await first.exit).toBeNull();
    // What the killed run left: objects with its label, processes, network namespaces.
    const left = await apiObjects();
    expect(left.namespaces).toEqual([...BOOTSTRAP, 'x', 'y'].sort());
    expect((await core.listNamespace({ labelSelector: `${OWNER_LABEL}=${ownerOf(PREFIX)}` })).items).toHaveLength(2);
    expect(left.pods).toHaveLength(4);
    expect((await ownedProcesses(PREFIX)).length).toBeGreaterThan(0);
    expect((await ownedNetns(PREFIX)).length).toBeGreaterThan(0);

    const second = startRunner(api.kubeconfigPath, [await scenarioFile('after-kill', passing('pass after kill 1', false), passing('pass after kill 2', true))]);
    const code = await second.exit;
    const out = second.output();
    expect(out, out).toContain('removed leftovers of an earlier run');
    expect(out, out).toMatch(/removing what an earlier run left on the API server: .*namespace\/x/);
    expect(out, out).toContain('2 passed, 0 failed');
    expect(code, out).toBe(0);
    await expectNothingLeft();
  }, 420_000);

  it('a scenario failing on purpose does not spill into the 20 after it, and the run leaves nothing', async () => {
    const passes = Array.from({ length: 20 }, (_, i) => passing(`pass ${i + 1}`, i % 5 === 4));
    const runner = startRunner(api.kubeconfigPath, [await scenarioFile('fail-then-pass', FAILS_CREATING_A_POD, FAILS_IN_ITS_STEPS, ...passes)]);
    const code = await runner.exit;
    const out = runner.output();
    expect(out, out).toMatch(/ERROR: HTTP 422: Pod "c" is invalid.*\n--- FAIL: fails creating a pod\n/);
    expect(out, out).toMatch(/step 1 \(apply x\/deny-all\): FAILED/);
    expect(out, out).toMatch(/ERROR: HTTP 422: NetworkPolicy.* "bad" is invalid: .*70000.*\n--- FAIL: fails in its steps\n/);
    for (let i = 1; i <= 20; i++) expect(out, out).toContain(`--- PASS: pass ${i}\n`);
    expect(out, out).toContain('20 passed, 2 failed');
    expect(code, out).toBe(1);
    await expectNothingLeft();
  }, 420_000);
  it('applies and cleans up its own ClusterNetworkPolicies, leaves unlabelled ones alone, and serves explicit pods and ports', async () => {
    const served = await custom.getAPIResources({ group: cnpResource.group, version: cnpResource.version }).then((l) => l.resources.some((r) => r.name === cnpResource.plural), () => false);
    expect(served, 'the test API server serves ClusterNetworkPolicy (packages/kube-api)').toBe(true);
    const foreign = { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'someone-elses' }, spec: { tier: 'Baseline', priority: 999, subject: { namespaces: { matchLabels: { nobody: 'here' } } }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] } };
    await custom.createClusterCustomObject({ ...cnpResource, body: foreign });
    const scenario = `- name: cnp with explicit pods
  cluster:
    nodes: 1
    namespaces:
      x: {pods: {web: {app: web}, db: {app: db}}}
    ports: [{port: 80, protocol: TCP, name: web}, {port: 81, protocol: UDP}]
  steps:
  - apply:
      - {apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {name: no-web-to-db}, spec: {tier: Admin, priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}, ingress: [{action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}], protocols: [{destinationNamedPort: web}]}]}}
    expect: [{port: 80, protocol: TCP, matrix: ["10", "11"]}, {port: 81, protocol: UDP, matrix: ["11", "11"]}]
  - delete: [{kind: ClusterNetworkPolicy, name: no-web-to-db}]
    expect: [{port: 80, protocol: TCP, matrix: ["11", "11"]}]
`;
    const runner = startRunner(api.kubeconfigPath, ['--no-explain', await scenarioFile('cnp', scenario, passing('after cnp', false))]);
    const code = await runner.exit;
    const out = runner.output();
    expect(out, out).toContain('2 passed, 0 failed');
    expect(code, out).toBe(0);
    expect(await clusterPolicies()).toEqual(['someone-elses']);
    await custom.deleteClusterCustomObject({ ...cnpResource, name: 'someone-elses' });
    await expectNothingLeft();
  }, 300_000);
});
