/**
 * Starts a real etcd (Debian's /usr/bin/etcd) for tests: free loopback ports, a
 * temporary data dir, optional TLS. Used by integration tests, the e2e harness and
 * benchmarks. Never touches anything outside its temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EtcdTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Require client certificates signed by caFile. */
  clientCertAuth?: boolean;
}

export interface TestEtcd {
  readonly endpoints: string[];
  readonly dataDir: string;
  /** Stops etcd (SIGTERM) keeping its data. */
  stop(): Promise<void>;
  /** Kills etcd (SIGKILL) keeping its data. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops it and deletes its data dir. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, deadlineMs: number, proc: ChildProcess): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`etcd exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
}

export async function startEtcd(
  opts: { tls?: EtcdTls; binary?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<TestEtcd> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pal-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const scheme = opts.tls ? 'https' : 'http';
  const clientUrl = `${scheme}://127.0.0.1:${clientPort}`;
  const args = [
    '--name',
    'pal-test',
    '--data-dir',
    path.join(dataDir, 'data'),
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-cluster',
    `pal-test=http://127.0.0.1:${peerPort}`,
    '--log-level',
    'error',
    '--logger',
    'zap',
  ];
  if (opts.tls) {
    args.push('--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile);
    if (opts.tls.clientCertAuth)
      args.push('--client-cert-auth', '--trusted-ca-file', opts.tls.caFile);
  }
  let proc: ChildProcess | null = null;
  let stderr = '';

  async function launch(): Promise<void> {
    stderr = '';
    const p = spawn(opts.binary ?? '/usr/bin/etcd', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '',
        ...opts.env,
      },
    });
    p.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    proc = p;
    try {
      await waitForPort(clientPort, 15_000, p);
    } catch (err) {
      p.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${stderr}`);
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }

  await launch();
  return {
    endpoints: [clientUrl],
    dataDir,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
    destroy: async () => {
      await halt('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
