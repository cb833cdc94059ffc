/**
 * Starts a real multi-member etcd cluster (Debian's /usr/bin/etcd) on loopback for
 * tests and benchmarks: free ports, one temporary data dir per member, all removed by
 * destroy(). Members can be killed, stopped and restarted on their own ports and data,
 * so tests can take the leader away or break quorum. Also starts `etcd grpc-proxy`
 * in front of a cluster (startGrpcProxy).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './etcdServer.js';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly metricsUrl: string;
  /** The running process id, or null while the member is down. */
  readonly pid: number | null;
  readonly running: boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface TestEtcdCluster {
  readonly members: EtcdMember[];
  readonly endpoints: string[];
  /** The member that currently leads (asks each running member's /metrics). */
  leader(): Promise<EtcdMember>;
  destroy(): Promise<void>;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitListening(port: number, proc: ChildProcess, what: string, stderr: () => string): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}\n${stderr()}`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`${what} did not listen on 127.0.0.1:${port}\n${stderr()}`);
}

/** A supervised child process that can be killed and started again with the same args. */
class Supervised {
  private proc: ChildProcess | null = null;
  private stderr = '';
  constructor(
    private readonly what: string,
    private readonly args: string[],
    private readonly port: number,
  ) {}

  get pid(): number | null {
    return this.proc && this.proc.exitCode === null ? (this.proc.pid ?? null) : null;
  }

  async start(): Promise<void> {
    if (this.pid !== null) return;
    this.stderr = '';
    const p = spawn('/usr/bin/etcd', this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc = p;
    await waitListening(this.port, p, this.what, () => this.stderr);
  }

  async halt(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }
}

async function isLeader(metricsUrl: string): Promise<boolean> {
  try {
    const text = await (await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
    return /^etcd_server_is_leader 1$/m.test(text);
  } catch {
    return false;
  }
}

export async function startEtcdCluster(opts: { size?: number } = {}): Promise<TestEtcdCluster> {
  const size = opts.size ?? 3;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pal-etcdc-'));
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({ client: await freePort(), peer: await freePort(), metrics: await freePort() })),
  );
  const initialCluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
  const members: EtcdMember[] = ports.map((p, i) => {
    const clientUrl = `http://127.0.0.1:${p.client}`;
    const metricsUrl = `http://127.0.0.1:${p.metrics}`;
    const args = [
      ...['--name', `m${i}`, '--data-dir', path.join(dataDir, `m${i}`)],
      ...['--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl],
      ...['--listen-peer-urls', `http://127.0.0.1:${p.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`],
      ...['--initial-cluster', initialCluster, '--initial-cluster-token', path.basename(dataDir)],
      ...['--listen-metrics-urls', metricsUrl, '--log-level', 'error', '--logger', 'zap'],
      // Short elections keep the tests fast; loopback latency is far below these.
      ...['--heartbeat-interval', '50', '--election-timeout', '500'],
    ];
    const sup = new Supervised(`etcd member m${i}`, args, p.client);
    return {
      name: `m${i}`,
      clientUrl,
      metricsUrl,
      get pid() {
        return sup.pid;
      },
      get running() {
        return sup.pid !== null;
      },
      kill: () => sup.halt('SIGKILL'),
      stop: () => sup.halt('SIGTERM'),
      start: () => sup.start(),
    };
  });
  const destroy = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.kill()));
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all(members.map((m) => m.start()));
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    destroy,
    async leader() {
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        for (const m of members) if (m.running && (await isLeader(m.metricsUrl))) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no etcd member became leader within 15 s');
    },
  };
}

export interface TestGrpcProxy {
  readonly endpoint: string;
  readonly metricsUrl: string;
  readonly pid: number | null;
  destroy(): Promise<void>;
}

/** `etcd grpc-proxy start` in front of `endpoints` on a free loopback port. */
export async function startGrpcProxy(endpoints: string[]): Promise<TestGrpcProxy> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pal-grpcproxy-'));
  const port = await freePort();
  const metrics = await freePort();
  const hosts = endpoints.map((e) => new URL(e).host).join(',');
  const sup = new Supervised(
    'etcd grpc-proxy',
    ['grpc-proxy', 'start', '--endpoints', hosts, '--listen-addr', `127.0.0.1:${port}`,
      '--metrics-addr', `http://127.0.0.1:${metrics}`, '--data-dir', dataDir],
    port,
  );
  await sup.start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    get pid() {
      return sup.pid;
    },
    destroy: async () => {
      await sup.halt('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
