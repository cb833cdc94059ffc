/**
 * The local demo: a 2-node cluster running the three-tier application. `up` starts a
 * detached daemon (`serve`) that builds the cluster, walks through the policies and
 * keeps running; `up` follows its output until it is ready. `down` stops it, and the
 * daemon tears everything down.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cluster, REPO_ROOT } from '../harness/cluster.js';
import { loadScenarios } from '../scenario/format.js';
import { runScenario } from '../scenario/runner.js';

const STATE_DIR = path.join(REPO_ROOT, '.palisade-demo');
const STATE = path.join(STATE_DIR, 'state.json');
const LOG = path.join(STATE_DIR, 'demo.log');
const SCENARIO = path.join(REPO_ROOT, 'e2e/scenarios/examples/three-tier.yaml');
const READY = 'DEMO READY';

interface DemoState {
  pid: number;
  etcd: string;
  kubeconfig: string;
  nodes: string[];
}

export async function demoServe(): Promise<void> {
  const [loaded] = await loadScenarios([SCENARIO]);
  const cluster = await Cluster.start({ nodes: 2, prefix: 'paldemo-', logDir: path.join(STATE_DIR, 'logs') });
  const shutdown = async (): Promise<void> => {
    console.log('tearing down the demo cluster');
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  await cluster.waitForAgents();
  const state: DemoState = { pid: process.pid, etcd: cluster.etcd.endpoints.join(','), kubeconfig: cluster.kubeconfigPath, nodes: cluster.topology.nodes.map((n) => n.netns) };
  await writeFile(STATE, JSON.stringify(state, null, 2));
  console.log('cluster is up: 2 nodes; applying the three-tier policies one by one (matrix rows = client, columns = server)');
  const res = await runScenario(cluster, loaded!, { probeTimeoutMs: 1000, out: (l) => console.log(l), showMatrices: true });
  console.log(res.passed ? 'every step matched the expected reachability' : 'SOME STEPS DID NOT MATCH (see above)');
  console.log(`
Explore it:
  export PALISADE_ETCD_ENDPOINTS=${state.etcd}
  pnpm -s ctl get policies -A -o wide
  pnpm -s ctl describe policy shop/data-tier-policy
  pnpm -s ctl explain --from shop/front --to shop/db --port 6379
  pnpm -s ctl status
  ETCDCTL_API=3 etcdctl --endpoints ${state.etcd} get --prefix /palisade/ --keys-only
  ip netns exec ${state.nodes[0]} iptables-save | grep pal-
  kubectl --kubeconfig ${state.kubeconfig} get netpol -A
Tear it down with: pnpm demo:down
${READY}`);
}

export async function demoUp(): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true });
  if (existsSync(STATE)) {
    const st = JSON.parse(await readFile(STATE, 'utf8')) as DemoState;
    if (alive(st.pid)) {
      console.log(`the demo is already running (pid ${st.pid}); see ${LOG} or run: pnpm demo:down`);
      return;
    }
  }
  const fd = openSync(LOG, 'w');
  const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
  const child = spawn(tsx, ['--conditions=palisade-source', path.join(import.meta.dirname, '../cli.ts'), 'demo', 'serve'], { detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  let printed = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const text = await readFile(LOG, 'utf8');
    process.stdout.write(text.slice(printed));
    printed = text.length;
    if (text.includes(READY)) return;
    if (!alive(child.pid!)) throw new Error(`the demo daemon exited; see ${LOG}`);
  }
}

export async function demoDown(): Promise<void> {
  if (!existsSync(STATE)) {
    console.log('no demo is running');
    return;
  }
  const st = JSON.parse(await readFile(STATE, 'utf8')) as DemoState;
  if (alive(st.pid)) {
    process.kill(st.pid, 'SIGTERM');
    while (alive(st.pid)) await new Promise((r) => setTimeout(r, 200));
  }
  await writeFile(STATE, '{}');
  console.log('demo stopped and removed');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
