import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type KubeApi } from './index.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!hasKubectl) console.warn('kubectl tests skipped: kubectl is not installed');

let api: KubeApi;
let dir: string;

beforeAll(async () => {
  api = await startKubeApi();
  dir = await mkdtemp(path.join(tmpdir(), 'palisade-kubectl-'));
});

afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

function kubectlArgs(args: string[]): string[] {
  return ['--kubeconfig', api.kubeconfigPath, '--cache-dir', path.join(dir, 'cache'), ...args];
}

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', kubectlArgs(args), { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: a}}
    ports:
    - {port: 80, protocol: TCP}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web}
spec:
  containers:
  - name: c
    image: registry.k8s.io/pause:3.10
`;

describe.skipIf(!hasKubectl)('kubectl against the fake API server', () => {
  it('applies a manifest, and re-applying changes nothing', async () => {
    const file = path.join(dir, 'm.yaml');
    await writeFile(file, MANIFEST);
    const first = await kubectl('apply', '-f', file);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim().split('\n')).toEqual([
      'namespace/shop created',
      'networkpolicy.networking.k8s.io/allow-web created',
      'pod/web-1 created',
    ]);
    const rv = api.resourceVersion();
    const again = await kubectl('apply', '-f', file);
    expect(again.stdout.trim().split('\n')).toEqual([
      'namespace/shop unchanged',
      'networkpolicy.networking.k8s.io/allow-web unchanged',
      'pod/web-1 unchanged',
    ]);
    expect(api.resourceVersion()).toBe(rv);
  });

  it('lists policies across namespaces as a table', async () => {
    const r = await kubectl('get', 'netpol', '-A');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(lines[0]).toEqual(['NAMESPACE', 'NAME', 'POD-SELECTOR', 'AGE']);
    expect(lines[1]?.slice(0, 3)).toEqual(['shop', 'allow-web', 'app=web']);
  });

  it('labels a pod and reads it back', async () => {
    const r = await kubectl('label', 'pod', '-n', 'shop', 'web-1', 'tier=front');
    expect(r.stdout.trim()).toBe('pod/web-1 labeled');
    const got = await kubectl(
      'get',
      'pod',
      '-n',
      'shop',
      'web-1',
      '-o',
      'jsonpath={.metadata.labels}',
    );
    expect(JSON.parse(got.stdout)).toEqual({ app: 'web', tier: 'front' });
  });

  it('patches a policy (merge) and a pod (strategic merge, the default)', async () => {
    const np = await kubectl(
      'patch',
      'networkpolicy',
      '-n',
      'shop',
      'allow-web',
      '--type',
      'merge',
      '-p',
      '{"spec":{"policyTypes":["Ingress","Egress"]}}',
    );
    expect(np.stderr).toBe('');
    expect(np.stdout.trim()).toBe('networkpolicy.networking.k8s.io/allow-web patched');
    const types = await kubectl(
      'get',
      'netpol',
      '-n',
      'shop',
      'allow-web',
      '-o',
      'jsonpath={.spec.policyTypes}',
    );
    expect(JSON.parse(types.stdout)).toEqual(['Ingress', 'Egress']);
    const pod = await kubectl(
      'patch',
      'pod',
      '-n',
      'shop',
      'web-1',
      '-p',
      '{"metadata":{"labels":{"patched":"yes"}}}',
    );
    expect(pod.stdout.trim()).toBe('pod/web-1 patched');
    const labels = await kubectl(
      'get',
      'pod',
      '-n',
      'shop',
      'web-1',
      '-o',
      'jsonpath={.metadata.labels.patched}',
    );
    expect(labels.stdout).toBe('yes');
    const dry = await kubectl(
      'patch',
      'pod',
      '-n',
      'shop',
      'web-1',
      '--dry-run=server',
      '-p',
      '{"metadata":{"labels":{"patched":"no"}}}',
    );
    expect(dry.code).toBe(0); // the server answers with the patched object but stores nothing
    const after = await kubectl(
      'get',
      'pod',
      '-n',
      'shop',
      'web-1',
      '-o',
      'jsonpath={.metadata.labels.patched}',
    );
    expect(after.stdout).toBe('yes');
  });

  it('streams changes with get -w', async () => {
    const child = spawn(
      'kubectl',
      kubectlArgs(['get', 'pods', '-n', 'shop', '-w', '--no-headers']),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.trim()));
    });
    const seen = async (n: number): Promise<void> => {
      const until = Date.now() + 15_000;
      while (lines.length < n) {
        if (Date.now() > until) throw new Error(`saw only ${JSON.stringify(lines)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      await seen(1);
      await kubectl('label', 'pod', '-n', 'shop', 'web-1', 'tier=back', '--overwrite');
      await seen(2);
    } finally {
      child.kill('SIGTERM');
    }
    expect(lines.slice(0, 2).map((l) => l.split(/\s+/)[0])).toEqual(['web-1', 'web-1']);
    expect(lines[0]).toMatch(/^web-1\s+0\/1\s+Pending\s+0\s+/);
  });

  it('shows the server-side validation error with its field paths', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: 80, endPort: 70}]
`,
    );
    const r = await kubectl('apply', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The NetworkPolicy "bad" is invalid');
    expect(r.stderr).toContain(
      'spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater than or equal to `port`',
    );
  });

  it('supports server-side apply', async () => {
    const file = path.join(dir, 'ssa.yaml');
    await writeFile(
      file,
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ssa, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n`,
    );
    const r = await kubectl('apply', '--server-side', '-f', file);
    expect(r.stdout.trim()).toBe('networkpolicy.networking.k8s.io/ssa serverside-applied');
    const again = await kubectl('apply', '--server-side', '-f', file);
    expect(again.code).toBe(0);
  });

  it('deletes a pod and then reports it NotFound', async () => {
    const r = await kubectl('delete', 'pod', '-n', 'shop', 'web-1');
    expect(r.stdout.trim()).toBe('pod "web-1" deleted');
    const gone = await kubectl('get', 'pod', '-n', 'shop', 'web-1');
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): pods "web-1" not found');
    const ns = await kubectl('delete', 'ns', 'shop');
    expect(ns.stdout.trim()).toBe('namespace "shop" deleted');
    expect((await kubectl('get', 'netpol', '-A', '--no-headers')).stdout.trim()).toBe('');
  });
});
