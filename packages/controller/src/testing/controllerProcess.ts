/**
 * Runs the controller as a real process (tsx on the sources) for integration tests and
 * benchmarks, collecting its JSON logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main.ts');

export interface LogLine {
  level: string;
  message: string;
  [k: string]: unknown;
}

export class ControllerProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  metricsPort = 0;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  private constructor(args: string[], env: Record<string, string>) {
    // PALISADE_CONTROLLER_NODE_ARGS: extra node flags for the controller, e.g. `--cpu-prof`
    // (node refuses those in NODE_OPTIONS).
    const nodeArgs = (process.env.PALISADE_CONTROLLER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    this.child = spawn(process.execPath, [...nodeArgs, '--conditions=palisade-source', '--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, ...env },
    });
    let buf = '';
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  static start(opts: {
    kubeconfig: string;
    etcdEndpoints: string[];
    id: string;
    leaseTtl?: string;
    resyncInterval?: string;
    extraArgs?: string[];
  }): ControllerProcess {
    const args = [
      '--kubeconfig', opts.kubeconfig,
      '--etcd-endpoints', opts.etcdEndpoints.join(','),
      '--id', opts.id,
      '--metrics-port', '0',
      '--metrics-host', '127.0.0.1',
      '--log-format', 'json',
      '--lease-ttl', opts.leaseTtl ?? '3s',
      '--resync-interval', opts.resyncInterval ?? '60s',
      ...(opts.extraArgs ?? []),
    ];
    return new ControllerProcess(args, {});
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onLine(line: string): void {
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      parsed = { level: 'raw', message: line };
    }
    this.logs.push(parsed);
    if (parsed.message === 'metrics server listening' && typeof parsed.port === 'number') this.metricsPort = parsed.port;
    if (process.env.PALISADE_TEST_VERBOSE) process.stderr.write(`${line}\n`);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first log line matching `pred` (past or future). */
  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(pred);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`log line not seen (exit ${this.child.exitCode}); last lines:\n${this.logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async get(pathname: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}${pathname}`);
    return { status: res.status, body: await res.text() };
  }

  /** A metric's value from /metrics (sum over label sets matching `labels`). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const { body } = await this.get('/metrics');
    let sum = 0;
    for (const line of body.split('\n')) {
      if (!line.startsWith(name)) continue;
      const m = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const ls = m[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[3]);
    }
    return sum;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(sig);
  }

  async stop(): Promise<number | null> {
    this.signal('SIGTERM');
    return this.exited;
  }
}
