/**
 * A real Palisade cluster on one machine: etcd, a Kubernetes API server (the test one,
 * or a real one via E2E_KUBECONFIG), the controller as a process, and one agent per
 * node, each inside its node's network namespace. Pods are network namespaces running
 * podServer.mjs. Everything carries the run's prefix and is torn down by stop(); a
 * crashed run's leftovers are removed by the next start.
 */
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AGENT_PREFIX, AgentStatusSchema } from '@palisade/model';
import { EtcdClient } from '@palisade/datastore';
import { startEtcd, type TestEtcd } from '@palisade/datastore/testing';
import { startKubeApi, type KubeApi } from '@palisade/kube-api';
import { componentCommand, REPO_ROOT } from './components.js';
import { KubeClient } from './kube.js';
import { deleteNetnsWithPrefix } from './netns.js';
import { startProcess, type Managed } from './processes.js';
import { PodProbeClient } from './prober.js';
import { Topology, type PodNet } from './topology.js';

export interface ClusterOptions {
  prefix?: string;
  nodes: number;
  dualStack?: boolean;
  /** A real API server; default: process.env.E2E_KUBECONFIG, else the test API server. */
  kubeconfig?: string;
  /** Where component logs go; default a temp dir. */
  logDir?: string;
  agentArgs?: string[];
  log?: (line: string) => void;
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

const SERVER = path.join(import.meta.dirname, 'podServer.mjs');
const RELAY = path.join(import.meta.dirname, 'relay.mjs');

export class Cluster {
  readonly pods = new Map<string, Pod>();
  readonly agents = new Map<string, Managed>();
  private relays: Managed[] = [];
  controller: Managed | null = null;
  /** Namespaces the current scenario uses (the runner resets them between scenarios). */
  usedNamespaces = new Set<string>();
  /** Ports the current scenario's pods serve. */
  currentPorts: number[] = [80];

  private constructor(
    readonly opts: Required<Pick<ClusterOptions, 'prefix' | 'logDir'>> & ClusterOptions,
    readonly runDir: string,
    readonly etcd: TestEtcd,
    readonly etcdClient: EtcdClient,
    readonly kubeApi: KubeApi | null,
    readonly kubeconfigPath: string,
    readonly kube: KubeClient,
    readonly topology: Topology,
  ) {}

  static async start(options: ClusterOptions): Promise<Cluster> {
    const prefix = options.prefix ?? 'pale2e-';
    const runDir = path.join(os.tmpdir(), `${prefix}run`);
    await deleteNetnsWithPrefix(prefix); // leftovers of a crashed run
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    const logDir = options.logDir ?? path.join(runDir, 'logs');
    await mkdir(logDir, { recursive: true });
    const etcd = await startEtcd();
    const etcdClient = EtcdClient.connect({ endpoints: etcd.endpoints });
    const kubeconfig = options.kubeconfig ?? process.env.E2E_KUBECONFIG;
    const kubeApi = kubeconfig ? null : await startKubeApi({ dir: runDir });
    const kubeconfigPath = kubeconfig ?? kubeApi!.kubeconfigPath;
    const topology = new Topology(prefix, options.dualStack ?? false);
    await topology.init();
    const c = new Cluster({ ...options, prefix, logDir }, runDir, etcd, etcdClient, kubeApi, kubeconfigPath, new KubeClient(kubeconfigPath), topology);
    await c.startEtcdSocket();
    c.startController();
    const controllerReady = c.waitForController();
    await c.ensureNodes(options.nodes);
    await controllerReady;
    return c;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Unix socket → etcd, so relays inside node namespaces can reach it. */
  private async startEtcdSocket(): Promise<void> {
    const target = new URL(this.etcd.endpoints[0]!);
    const relay = startProcess({ name: 'relay-etcd', cmd: process.execPath, args: [RELAY, `unix:${this.etcdSocketPath}`, `tcp:${target.hostname}:${target.port}`] });
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
      ...extraArgs,
    ]);
    this.controller = startProcess({ name: 'controller', cmd, args, logPath: path.join(this.opts.logDir, 'controller.log') });
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
      const relay = startProcess({ name: `relay-${node.name}`, cmd: 'ip', args: ['netns', 'exec', node.netns, process.execPath, RELAY, 'tcp:127.0.0.1:2379', `unix:${this.etcdSocketPath}`] });
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
      ...(this.opts.agentArgs ?? []),
    ]);
    const agent = startProcess({ name: `agent-${node.name}`, cmd: 'ip', args: ['netns', 'exec', node.netns, cmd, ...args], logPath: path.join(this.opts.logDir, `agent-${node.name}.log`) });
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

  async addPod(p: { namespace: string; name: string; labels: Record<string, string>; nodeIndex: number; ports: number[] }): Promise<Pod> {
    const id = `${p.namespace}/${p.name}`;
    await this.ensureNodes(p.nodeIndex + 1);
    const podNet = await this.topology.addPod(id, p.nodeIndex);
    const sock = path.join(this.runDir, `${podNet.netns}.sock`);
    const server = startProcess({ name: `pod-${id}`, cmd: 'ip', args: ['netns', 'exec', podNet.netns, process.execPath, SERVER, sock, p.ports.join(',')] });
    await server.waitFor(/ready/, 10_000);
    const createdAt = performance.now();
    await this.kube.createPod({ namespace: p.namespace, name: p.name, labels: p.labels, node: podNet.node.name, ips: podNet.ips, ports: p.ports, protocols: ['TCP', 'UDP', 'SCTP'] });
    const pod: Pod = { id, namespace: p.namespace, name: p.name, labels: p.labels, nodeIndex: p.nodeIndex, net: podNet, server, client: new PodProbeClient(sock), createdAt };
    this.pods.set(id, pod);
    this.log(`pod ${id} on ${podNet.node.name} ${podNet.ips.join(',')}`);
    return pod;
  }

  async removePod(id: string, opts: { keepObject?: boolean } = {}): Promise<void> {
    const pod = this.pods.get(id);
    if (!pod) return;
    this.pods.delete(id);
    if (!opts.keepObject) await this.kube.deletePod(pod.namespace, pod.name);
    pod.client.close();
    await pod.server.stop('SIGKILL');
    await this.topology.removePod(pod.net);
  }

  async stop(): Promise<void> {
    for (const pod of [...this.pods.keys()]) await this.removePod(pod, { keepObject: true }).catch(() => {});
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await this.controller?.stop();
    await Promise.all(this.relays.map((r) => r.stop()));
    await this.etcdClient.close().catch(() => {});
    await this.kubeApi?.stop();
    await this.topology.destroy();
    await this.etcd.destroy();
  }
}

export { REPO_ROOT };
