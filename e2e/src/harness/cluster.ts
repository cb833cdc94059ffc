/**
 * A real Palisade cluster on one machine: etcd, a Kubernetes API server (the test one,
 * or a real one via E2E_KUBECONFIG), the controller as a process, and one agent per
 * node, each inside its node's network namespace. Pods are network namespaces running
 * podServer.mjs.
 *
 * Everything is marked with the run's owner (owner.ts): Kubernetes objects by label,
 * network namespaces by name, processes by an environment variable. start() first
 * removes whatever an earlier run of the same owner left (on the host and on the API
 * server), so a run that was killed with SIGKILL costs nothing to the next one.
 * resetPods() brings pods back to none on every layer (API, host, IP bookkeeping)
 * whatever the last scenario did; stop() removes everything, API objects included
 * unless asked to keep them.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AGENT_PREFIX, AgentStatusSchema } from '@palisade/model';
import { EtcdClient } from '@palisade/datastore';
import { enableTestAuth, startEtcd, type TestEtcd } from '@palisade/datastore/testing';
import type { EtcdConnectionOptions } from '@palisade/datastore';
import { startKubeApi, type KubeApi } from '@palisade/kube-api';
import { componentCommand, REPO_ROOT } from './components.js';
import { KubeClient } from './kube.js';
import { removeHostLeftovers } from './leftovers.js';
import { OWNER_ENV, ownerOf, validatePrefix } from './owner.js';
import { startProcess, type Managed } from './processes.js';
import { PodProbeClient } from './prober.js';
import { Topology, type PodNet } from './topology.js';
import { CNP_CRD_NAME } from './clusterPolicies.js';
import { CRD_FILE, ensureClusterPolicyResource } from './clusterPolicyCrd.js';
import { servedPorts, type ServedPort } from './ports.js';

export interface ClusterOptions {
  prefix?: string;
  nodes: number;
  dualStack?: boolean;
  /** A real API server; default: process.env.E2E_KUBECONFIG, else the test API server. */
  kubeconfig?: string;
  /** Where component logs go; default a temp dir. */
  logDir?: string;
  agentArgs?: string[];
  /**
   * etcd with authentication on and Palisade's roles (palisadectl etcd-setup): the
   * controller and the agents run with their own identities (password files), and the
   * harness reads with palisadectl's read-only one.
   */
  etcdAuth?: boolean;
  /** Detailed progress (every pod). */
  log?: (line: string) => void;
  /** What the user should know: leftovers of an earlier run that were removed. */
  notice?: (line: string) => void;
  /** Namespaces the run will use: start() fails at once, naming them, if any exists without this run's owner label. */
  namespaces?: string[];
  /**
   * The run applies ClusterNetworkPolicies: start() fails unless the cluster serves them.
   * Either way a real cluster that does not serve them gets the chart's CRD.
   */
  clusterPolicies?: boolean;
}

export interface Pod {
  id: string; // ns/name
  namespace: string;
  name: string;
  labels: Record<string, string>;
  nodeIndex: number;
  net: PodNet;
  server: Managed;
  client: PodProbeClient;
  /** performance.now() when the pod object was sent to the API (after its network existed, as with a CNI). */
  createdAt: number;
}

/** The user in a flag and the password in a file, as the chart passes them. */
async function credentialArgs(runDir: string, id: EtcdConnectionOptions): Promise<string[]> {
  const file = path.join(runDir, `etcd-${id.username}.pw`);
  await writeFile(file, `${id.password}\n`, { mode: 0o600 });
  return ['--etcd-username', id.username ?? '', '--etcd-password-file', file];
}

/** Before the controller starts, so that its informers find the resource. */
async function ensureClusterPolicies(kube: KubeClient, o: { canInstall: boolean; required: boolean; owner: string; notice: (l: string) => void }): Promise<void> {
  try {
    const r = await ensureClusterPolicyResource(kube.clusterPolicies, { canInstall: o.canInstall, owner: o.owner });
    if (r === 'installed') o.notice(`installed the CustomResourceDefinition ${CNP_CRD_NAME} from ${path.relative(REPO_ROOT, CRD_FILE)} (it stays, as with Helm's crds/)`);
  } catch (err) {
    if (o.required) throw err;
    o.notice(`ClusterNetworkPolicy unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const SERVER = path.join(import.meta.dirname, 'podServer.mjs');
const RELAY = path.join(import.meta.dirname, 'relay.mjs');

export class Cluster {
  readonly pods = new Map<string, Pod>();
  readonly agents = new Map<string, Managed>();
  private relays: Managed[] = [];
  controller: Managed | null = null;
  /** Ports the current scenario's pods serve. */
  currentPorts: ServedPort[] = servedPorts([80]);

  private constructor(
    readonly opts: Required<Pick<ClusterOptions, 'prefix' | 'logDir'>> & ClusterOptions,
    readonly runDir: string,
    readonly etcd: TestEtcd,
    readonly etcdClient: EtcdClient,
    readonly kubeApi: KubeApi | null,
    readonly kubeconfigPath: string,
    readonly kube: KubeClient,
    readonly topology: Topology,
    /** --etcd-username/--etcd-password-file per component; empty without etcdAuth. */
    private readonly credentials: { controller: string[]; agent: string[] } = { controller: [], agent: [] },
  ) {}

  static async start(options: ClusterOptions): Promise<Cluster> {
    const prefix = options.prefix ?? 'pale2e-';
    validatePrefix(prefix);
    const notice = options.notice ?? (() => {});
    const left = await removeHostLeftovers(prefix); // an earlier run's, even one killed with SIGKILL
    if (left.processes + left.netns > 0) notice(`removed leftovers of an earlier run: ${left.processes} processes, ${left.netns} network namespaces`);
    const runDir = path.join(os.tmpdir(), `${prefix}run`);
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    const logDir = options.logDir ?? path.join(runDir, 'logs');
    await mkdir(logDir, { recursive: true });
    const kubeconfig = options.kubeconfig ?? process.env.E2E_KUBECONFIG;
    const kubeApi = kubeconfig ? null : await startKubeApi({ dir: runDir });
    let etcd: TestEtcd | null = null;
    let c: Cluster | null = null;
    try {
      const kubeconfigPath = kubeconfig ?? kubeApi!.kubeconfigPath;
      const kube = new KubeClient(kubeconfigPath, prefix);
      await kube.checkNamespacesUsable(options.namespaces ?? []);
      await ensureClusterPolicies(kube, { canInstall: !kubeApi, required: options.clusterPolicies ?? false, owner: ownerOf(prefix), notice });
      const stale = [
        ...(await kube.ownedNamespaces()).map((n) => `namespace/${n}`),
        ...(await kube.ownedPods()).map((p) => `pod/${p}`),
        ...(await kube.clusterPolicies.owned()).map((p) => `clusternetworkpolicy/${p}`),
      ];
      if (stale.length > 0) notice(`removing what an earlier run left on the API server: ${stale.join(' ')}`);
      await kube.deleteEverythingOwned();
      etcd = await startEtcd({ env: { [OWNER_ENV]: ownerOf(prefix) } });
      const credentials = { controller: [] as string[], agent: [] as string[] };
      let readOpts: EtcdConnectionOptions = { endpoints: etcd.endpoints };
      if (options.etcdAuth) {
        const ids = await enableTestAuth({ endpoints: etcd.endpoints });
        readOpts = ids.cli;
        credentials.controller = await credentialArgs(runDir, ids.controller);
        credentials.agent = await credentialArgs(runDir, ids.agent);
      }
      const topology = new Topology(prefix, options.dualStack ?? false);
      c = new Cluster({ ...options, prefix, logDir }, runDir, etcd, EtcdClient.connect(readOpts), kubeApi, kubeconfigPath, kube, topology, credentials);
      await topology.init();
      await c.startEtcdSocket();
      c.startController();
      const controllerReady = c.waitForController();
      await c.ensureNodes(options.nodes);
      await controllerReady;
      return c;
    } catch (err) {
      if (c) await c.stop({ keepObjects: true }).catch(() => {});
      else {
        await kubeApi?.stop();
        await etcd?.destroy();
        await removeHostLeftovers(prefix).catch(() => {});
      }
      throw err;
    }
  }

  /** The environment every process of this run inherits (its owner marker). */
  private get env(): NodeJS.ProcessEnv {
    return { [OWNER_ENV]: ownerOf(this.opts.prefix) };
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Unix socket → etcd, so relays inside node namespaces can reach it. */
  private async startEtcdSocket(): Promise<void> {
    const target = new URL(this.etcd.endpoints[0]!);
    const relay = startProcess({ name: 'relay-etcd', cmd: process.execPath, args: [RELAY, `unix:${this.etcdSocketPath}`, `tcp:${target.hostname}:${target.port}`], env: this.env });
    await relay.waitFor(/ready/, 10_000);
    this.relays.push(relay);
  }

  private get etcdSocketPath(): string {
    return path.join(this.runDir, 'etcd.sock');
  }

  startController(extraArgs: string[] = []): void {
    const { cmd, args } = componentCommand('controller', [
      '--kubeconfig', this.kubeconfigPath,
      '--etcd-endpoints', this.etcd.endpoints.join(','),
      '--metrics-port', '0',
      '--log-format', 'json',
      '--lease-ttl', '5',
      ...this.credentials.controller,
      ...extraArgs,
    ]);
    this.controller = startProcess({ name: 'controller', cmd, args, env: this.env, logPath: path.join(this.opts.logDir, 'controller.log') });
  }

  /** Resolves once the controller leads and its informers have synced. */
  async waitForController(timeoutMs = 60_000): Promise<void> {
    const ctl = this.controller;
    if (!ctl) throw new Error('no controller started');
    await Promise.all([ctl.waitFor(/leading: reconciling etcd/, timeoutMs), ctl.waitFor(/all informers synced/, timeoutMs)]);
  }

  async ensureNodes(count: number): Promise<void> {
    const before = this.topology.nodes.length;
    await this.topology.ensureNodes(count);
    for (const node of this.topology.nodes.slice(before)) {
      const relay = startProcess({ name: `relay-${node.name}`, cmd: 'ip', args: ['netns', 'exec', node.netns, process.execPath, RELAY, 'tcp:127.0.0.1:2379', `unix:${this.etcdSocketPath}`], env: this.env });
      await relay.waitFor(/ready/, 10_000);
      this.relays.push(relay);
      this.startAgent(node.name);
    }
  }

  startAgent(nodeName: string): Managed {
    const node = this.topology.nodes.find((n) => n.name === nodeName);
    if (!node) throw new Error(`unknown node ${nodeName}`);
    const { cmd, args } = componentCommand('agent', [
      '--node-name', node.name,
      '--etcd-endpoints', 'http://127.0.0.1:2379',
      '--metrics-port', '9092',
      '--state-dir', path.join(this.runDir, 'state'),
      '--log-format', 'json',
      '--ipv6', this.topology.dualStack ? 'true' : 'false',
      ...this.credentials.agent,
      ...(this.opts.agentArgs ?? []),
    ]);
    const agent = startProcess({ name: `agent-${node.name}`, cmd: 'ip', args: ['netns', 'exec', node.netns, cmd, ...args], env: this.env, logPath: path.join(this.opts.logDir, `agent-${node.name}.log`) });
    this.agents.set(node.name, agent);
    return agent;
  }

  /** Waits until every node's agent reports in sync with a first apply done. */
  async waitForAgents(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const list = await this.etcdClient.list(AGENT_PREFIX, AgentStatusSchema).catch(() => null);
      const ready = new Set((list?.items ?? []).filter((i) => i.value.status.inSync && i.value.status.lastApply).map((i) => i.value.metadata.name));
      if (this.topology.nodes.every((n) => ready.has(n.name))) return;
      if (Date.now() > until) {
        const tails = [...this.agents.values()].map((a) => `--- ${a.name}\n${a.tail().slice(-1500)}`).join('\n');
        throw new Error(`agents not in sync after ${timeoutMs} ms (ready: ${[...ready].join(',') || 'none'})\n${tails}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Builds the pod's network, starts its server, creates the Pod; on failure none of it stays. */
  async addPod(p: { namespace: string; name: string; labels: Record<string, string>; nodeIndex: number; ports: readonly (number | ServedPort)[] }): Promise<Pod> {
    const ports = servedPorts(p.ports);
    const id = `${p.namespace}/${p.name}`;
    if (this.pods.has(id)) throw new Error(`pod ${id} already exists in this run`);
    await this.ensureNodes(p.nodeIndex + 1);
    const podNet = await this.topology.addPod(id, p.nodeIndex);
    const sock = path.join(this.runDir, `${podNet.netns}.sock`);
    let server: Managed | null = null;
    try {
      const serverPorts = ports.filter((x) => x.protocol !== 'SCTP').map((x) => `${x.port}/${x.protocol.toLowerCase()}`);
      server = startProcess({ name: `pod-${id}`, cmd: 'ip', args: ['netns', 'exec', podNet.netns, process.execPath, SERVER, sock, serverPorts.join(',')], env: this.env });
      await server.waitFor(/ready/, 10_000);
      const createdAt = performance.now();
      await this.kube.createPod({ namespace: p.namespace, name: p.name, labels: p.labels, node: podNet.node.name, ips: podNet.ips, ports });
      const pod: Pod = { id, namespace: p.namespace, name: p.name, labels: p.labels, nodeIndex: p.nodeIndex, net: podNet, server, client: new PodProbeClient(sock), createdAt };
      this.pods.set(id, pod);
      this.log(`pod ${id} on ${podNet.node.name} ${podNet.ips.join(',')}`);
      return pod;
    } catch (err) {
      await server?.stop('SIGKILL');
      await this.topology.removePod(podNet);
      throw err;
    }
  }

  /** Deletes the Pod (grace 0, awaited), its server and its network; the host side goes even if the API call fails. */
  async removePod(id: string, opts: { keepObject?: boolean } = {}): Promise<void> {
    const pod = this.pods.get(id);
    if (!pod) return;
    this.pods.delete(id);
    const deleted = opts.keepObject ? Promise.resolve() : this.kube.deletePod(pod.namespace, pod.name);
    const apiError = await deleted.then(
      () => null,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    pod.client.close();
    await pod.server.stop('SIGKILL');
    await this.topology.removePod(pod.net);
    if (apiError) throw apiError;
  }

  /**
   * No pods and no policies of this run, anywhere: the pods the run knows, any pod or
   * NetworkPolicy of this owner on the API server, and any pod network namespace (and
   * its IP) that a failed scenario left. Checks the result, so a leak fails loudly here
   * instead of spilling into the next scenario.
   */
  async resetPods(): Promise<void> {
    const errors: unknown[] = [];
    for (const id of [...this.pods.keys()]) await this.removePod(id).catch((err: unknown) => errors.push(err));
    await this.kube.deleteOwnedWorkloads();
    const swept = await this.topology.sweepPods(new Set());
    if (swept.length > 0) this.log(`reset: removed ${swept.length} stray pod network namespaces`);
    const leaked = [...this.pods.keys(), ...this.topology.allocatedPods(), ...(await this.kube.ownedPods())];
    if (leaked.length > 0) throw new Error(`reset left pods behind: ${leaked.join(' ')}`);
    if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  }

  /**
   * Stops every process and deletes every network namespace of the run, and, unless
   * keepObjects, every Kubernetes object it owns. Goes on after a failing part and
   * reports all failures at the end.
   */
  async stop(opts: { keepObjects?: boolean } = {}): Promise<void> {
    const errors: string[] = [];
    const part = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      await fn().catch((err: unknown) => errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`));
    };
    for (const pod of [...this.pods.keys()]) await part(`pod ${pod}`, () => this.removePod(pod, { keepObject: true }));
    if (!opts.keepObjects) await part('deleting the Kubernetes objects of this run', () => this.kube.deleteEverythingOwned());
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await this.controller?.stop();
    await Promise.all(this.relays.map((r) => r.stop()));
    await this.etcdClient.close().catch(() => {});
    await part('test API server', async () => this.kubeApi?.stop());
    await part('network namespaces', () => this.topology.destroy());
    await part('etcd', () => this.etcd.destroy());
    await part('remaining processes', () => removeHostLeftovers(this.opts.prefix));
    if (errors.length > 0) throw new Error(`cleanup incomplete:\n  ${errors.join('\n  ')}`);
  }
}

export { REPO_ROOT };
