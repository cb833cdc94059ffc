/**
 * Integration-test harness for the agent process: a node network namespace routing
 * between pod namespaces (Calico-style /32 routes and proxy ARP), an etcd relay into
 * the node namespace (a unix socket crosses namespaces; the test's etcd listens on
 * the host loopback), the agent as a real process inside the node namespace, and a
 * pod tool in every pod namespace for servers and probes.
 * Every namespace name starts with `paltest-`; destroy() removes them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { realExec } from '../dataplane/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../../..');
const MAIN = path.resolve(HERE, '../main.ts');
const POD_TOOL = path.join(HERE, 'podTool.mjs');

export async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  const res = await realExec(cmd, args, input === undefined ? undefined : { input });
  if (res.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res.stdout;
}
export const nsSh = (ns: string, cmd: string, args: string[], input?: string): Promise<string> =>
  sh('ip', ['netns', 'exec', ns, cmd, ...args], input);

/** iptables-save / ipset list of a namespace, without comments and counters. */
export async function kernelState(ns: string): Promise<{ iptables: string; ipsets: string }> {
  const save = await nsSh(ns, 'iptables-save', []);
  const iptables = save
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]'))
    .join('\n');
  return { iptables, ipsets: await nsSh(ns, 'ipset', ['list']) };
}

export interface PodSpec {
  name: string;
  ip: string;
  /** Optional IPv6 address: the pod then gets a /128 and a default via fe80::1. */
  ip6?: string;
  ports: number[];
}

export class PodTool {
  private nextId = 1;
  private readonly waiters = new Map<number, (r: { ok: boolean }) => void>();
  constructor(
    readonly ns: string,
    readonly ip: string,
    private readonly child: ChildProcess,
  ) {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { id: number; ok: boolean };
      this.waiters.get(msg.id)?.(msg);
      this.waiters.delete(msg.id);
    });
  }
  ready(): Promise<boolean> {
    return new Promise((resolve) => this.waiters.set(0, (r) => resolve(r.ok)));
  }
  async cmd(c: Record<string, unknown>): Promise<{ ok: boolean; id: number }> {
    const id = this.nextId++;
    const p = new Promise<{ ok: boolean }>((resolve) => this.waiters.set(id, resolve));
    this.child.stdin!.write(JSON.stringify({ ...c, id }) + '\n');
    return { ...(await p), id };
  }
  async tcp(host: string, port: number, timeoutMs = 300): Promise<boolean> {
    return (await this.cmd({ op: 'tcp', host, port, timeoutMs })).ok;
  }
  async udp(host: string, port: number, timeoutMs = 300): Promise<boolean> {
    return (await this.cmd({ op: 'udp', host, port, timeoutMs })).ok;
  }
  /** Opens a long-lived connection; returns its handle (or null). */
  async hold(host: string, port: number): Promise<number | null> {
    const r = await this.cmd({ op: 'hold', host, port, timeoutMs: 1000 });
    return r.ok ? r.id : null;
  }
  async ping(hold: number, timeoutMs = 500): Promise<boolean> {
    return (await this.cmd({ op: 'ping', hold, timeoutMs })).ok;
  }
  stop(): void {
    this.child.kill('SIGKILL');
  }
}

export class Topology {
  readonly pods = new Map<string, PodTool>();
  private readonly procs: ChildProcess[] = [];
  private readonly relayServers: net.Server[] = [];
  private readonly tmp = mkdtempSync(path.join(os.tmpdir(), 'pal-agent-itest-'));

  constructor(readonly prefix: string) {}
  get node(): string {
    return `${this.prefix}node`;
  }

  static async create(tag: string, pods: PodSpec[]): Promise<Topology> {
    const t = new Topology(`paltest-${tag}${process.pid % 10000}-`);
    await t.destroyNamespaces();
    await sh('ip', ['netns', 'add', t.node]);
    await nsSh(t.node, 'ip', ['link', 'set', 'lo', 'up']);
    await nsSh(t.node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    if (pods.some((p) => p.ip6))
      await nsSh(t.node, 'sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
    // The pods' gateway: a local address of the node, so ARP for it is answered.
    await sh('ip', ['-n', t.node, 'addr', 'add', '169.254.1.1/32', 'dev', 'lo']);
    for (const [i, pod] of pods.entries()) await t.addPod(pod, `vp${i}`);
    return t;
  }

  private async addPod(pod: PodSpec, veth: string): Promise<void> {
    const ns = `${this.prefix}${pod.name}`;
    await sh('ip', ['netns', 'add', ns]);
    await nsSh(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await sh('ip', [
      '-n',
      this.node,
      'link',
      'add',
      veth,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    ]);
    await nsSh(this.node, 'sysctl', ['-qw', `net.ipv4.conf.${veth}.proxy_arp=1`]);
    await sh('ip', ['-n', this.node, 'link', 'set', veth, 'up']);
    await sh('ip', ['-n', this.node, 'route', 'add', `${pod.ip}/32`, 'dev', veth]);
    await sh('ip', ['-n', ns, 'addr', 'add', `${pod.ip}/32`, 'dev', 'eth0']);
    await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', ns, 'route', 'add', '169.254.1.1', 'dev', 'eth0']);
    await sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
    if (pod.ip6) await this.addPodV6(ns, veth, pod.ip6);
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, POD_TOOL, ...pod.ports.map(String)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    this.procs.push(child);
    const tool = new PodTool(ns, pod.ip, child);
    await tool.ready();
    this.pods.set(pod.name, tool);
  }

  private async addPodV6(ns: string, veth: string, ip6: string): Promise<void> {
    await sh('ip', ['-n', this.node, '-6', 'addr', 'add', 'fe80::1/64', 'dev', veth, 'nodad']);
    await sh('ip', ['-n', this.node, '-6', 'route', 'add', `${ip6}/128`, 'dev', veth]);
    await sh('ip', ['-n', ns, '-6', 'addr', 'add', `${ip6}/128`, 'dev', 'eth0', 'nodad']);
    await sh('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
  }

  pod(name: string): PodTool {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  /**
   * Makes etcd (on the host loopback) reachable at 127.0.0.1:<port> inside the node
   * namespace (one relay per etcd member for a cluster).
   */
  async relayEtcd(endpoint: string, port = 2379): Promise<string> {
    const target = new URL(endpoint);
    const sock = path.join(this.tmp, `etcd-${port}.sock`);
    const server = net.createServer((c) => {
      const up = net.connect(Number(target.port), target.hostname);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    this.relayServers.push(server);
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    const script = `require('net').createServer(c=>{const u=require('net').connect(${JSON.stringify(sock)});c.pipe(u).pipe(c);c.on('error',()=>u.destroy());u.on('error',()=>c.destroy())}).listen(${port},'127.0.0.1',()=>console.log('up'))`;
    const relay = spawn('ip', ['netns', 'exec', this.node, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.procs.push(relay);
    await new Promise((resolve) => relay.stdout.once('data', resolve));
    return `http://127.0.0.1:${port}`;
  }

  /** Starts the agent inside the node namespace. */
  startAgent(args: string[]): AgentProcess {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.node,
        process.execPath,
        '--conditions=palisade-source',
        '--import',
        'tsx',
        MAIN,
        ...args,
      ],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        // State survives restarts of the agent within one topology, never across tests.
        env: {
          ...process.env,
          PALISADE_LOG_FORMAT: 'json',
          PALISADE_STATE_DIR: path.join(this.tmp, 'state'),
        },
      },
    );
    this.procs.push(child);
    return new AgentProcess(child);
  }

  private async destroyNamespaces(): Promise<void> {
    const list = await sh('ip', ['netns', 'list']);
    for (const line of list.split('\n')) {
      const ns = line.split(' ')[0];
      if (!ns?.startsWith(this.prefix)) continue;
      const pids = await realExec('ip', ['netns', 'pids', ns]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await realExec('ip', ['netns', 'del', ns]);
    }
  }

  async destroy(): Promise<void> {
    for (const p of this.procs) p.kill('SIGKILL');
    this.relayServers.forEach((s) => s.close());
    await this.destroyNamespaces();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

export interface LogLine {
  level: string;
  message: string;
  [k: string]: unknown;
}

export class AgentProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private listeners: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    for (const stream of [child.stdout!, child.stderr!])
      readline.createInterface({ input: stream }).on('line', (l) => {
        try {
          this.lines.push(JSON.parse(l) as LogLine);
        } catch {
          this.lines.push({ level: 'raw', message: l });
        }
        this.listeners.forEach((f) => f());
      });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Waits for a log line matching `pred`. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for a log line (pid ${this.child.pid}, exit ${this.child.exitCode}); last lines:\n${this.lines
            .slice(-15)
            .map((l) => JSON.stringify(l))
            .join('\n')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.listeners.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.listeners = [];
    }
  }

  async metricsPort(): Promise<number> {
    const l = await this.waitFor((x) => x.message === 'metrics and health server listening');
    return l.port as number;
  }

  kill(signal: NodeJS.Signals): void {
    // `ip netns exec` execs the command, so the child's pid is the agent's.
    this.child.kill(signal);
  }
}

/** GET a URL from inside a namespace. */
export async function nsGet(ns: string, url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async r=>{process.stdout.write(JSON.stringify({status:r.status,body:await r.text()}))},e=>{process.stdout.write(JSON.stringify({status:0,body:String(e)}))})`;
  return JSON.parse(await nsSh(ns, process.execPath, ['-e', script])) as {
    status: number;
    body: string;
  };
}
