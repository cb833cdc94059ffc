/**
 * Throwaway network namespaces for integration tests and the e2e harness.
 *
 * Everything happens inside namespaces named `paltest-*`: veth pairs are created from
 * inside the node namespace, so the host's own network stack is never touched. A
 * "pod" is a namespace with eth0 (a /32 and a /128), wired Calico-style to a "node"
 * namespace: default route via 169.254.1.1 answered by proxy ARP on the host-side
 * veth, IPv6 default via fe80::1 on that veth, and a /32 (/128) route per pod on the
 * node, so pod traffic crosses the node's FORWARD chain.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { netnsExec, realExec, type Exec, type ExecResult } from '../dataplane/exec.js';

export { netnsExec };
export const NETNS_PREFIX = 'paltest-';
const GW4 = '169.254.1.1';
const GW6 = 'fe80::1';

/** A fresh name like `paltest-<tag>-<random>`. */
export function uniqueNetnsName(tag: string): string {
  return `${NETNS_PREFIX}${tag}-${randomBytes(3).toString('hex')}`;
}

function assertOurs(name: string): void {
  if (!name.startsWith(NETNS_PREFIX))
    throw new Error(`refusing to touch netns ${name}: not ${NETNS_PREFIX}*`);
}

/** Runs a command in `ns` and throws with its stderr when it fails. */
export async function nsRun(
  ns: string,
  cmd: string,
  args: string[],
  input?: string,
): Promise<string> {
  assertOurs(ns);
  const res = await netnsExec(ns)(cmd, args, input === undefined ? undefined : { input });
  if (res.code !== 0)
    throw new Error(`[${ns}] ${cmd} ${args.join(' ')}: exit ${res.code}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** Runs a command in `ns`, returning its result whatever the exit code. */
export function nsExec(
  ns: string,
  cmd: string,
  args: string[],
  input?: string,
): Promise<ExecResult> {
  assertOurs(ns);
  return netnsExec(ns)(cmd, args, input === undefined ? undefined : { input });
}

export async function createNetns(
  name: string,
  opts: { forwarding?: boolean } = {},
): Promise<Exec> {
  assertOurs(name);
  await must(realExec('ip', ['netns', 'add', name]), `ip netns add ${name}`);
  await nsRun(name, 'ip', ['link', 'set', 'lo', 'up']);
  if (opts.forwarding) {
    await nsRun(name, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    // Proxy ARP only answers for addresses routed out of another interface: give the
    // node a default route through a stand-in uplink (a veth pair; no dummy module here).
    await nsRun(name, 'ip', ['link', 'add', 'pal-up0', 'type', 'veth', 'peer', 'name', 'pal-up1']);
    await nsRun(name, 'ip', ['link', 'set', 'pal-up1', 'up']);
    await nsRun(name, 'ip', ['link', 'set', 'pal-up0', 'up']);
    await nsRun(name, 'ip', ['route', 'add', 'default', 'dev', 'pal-up0']);
  }
  return netnsExec(name);
}

/** Kills what still runs in the namespace (test servers), then deletes it. */
export async function deleteNetns(name: string): Promise<void> {
  assertOurs(name);
  const pids = await realExec('ip', ['netns', 'pids', name]);
  for (const pid of pids.stdout.split('\n').filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const res = await realExec('ip', ['netns', 'del', name]);
  if (res.code !== 0 && !/No such file/.test(res.stderr))
    throw new Error(`ip netns del ${name}: ${res.stderr}`);
}

/** Deletes leftover namespaces from earlier (crashed) runs. Returns their names. */
export async function cleanupStale(prefix = NETNS_PREFIX): Promise<string[]> {
  if (!prefix.startsWith(NETNS_PREFIX)) throw new Error(`prefix must start with ${NETNS_PREFIX}`);
  const res = await realExec('ip', ['netns', 'list']);
  const names = res.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  for (const n of names) await deleteNetns(n);
  return names;
}

export interface VethPod {
  node: string;
  pod: string;
  ip: string;
  ip6?: string;
}

/** Wires `pod` (an existing netns) to `node`. Returns the host-side interface name. */
export async function addVethPod(p: VethPod): Promise<string> {
  assertOurs(p.node);
  assertOurs(p.pod);
  const hostIf = `pv${createHash('sha256').update(p.pod).digest('hex').slice(0, 10)}`;
  const node = (...args: string[]): Promise<string> => nsRun(p.node, args[0]!, args.slice(1));
  const pod = (...args: string[]): Promise<string> => nsRun(p.pod, args[0]!, args.slice(1));
  await node('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.pod);
  await node(
    'sysctl',
    '-qw',
    `net.ipv4.conf.${hostIf}.proxy_arp=1`,
    `net.ipv4.neigh.${hostIf}.proxy_delay=0`,
  );
  await node('sysctl', '-qw', `net.ipv6.conf.${hostIf}.accept_dad=0`);
  await node('ip', 'link', 'set', hostIf, 'up');
  await node('ip', 'route', 'add', `${p.ip}/32`, 'dev', hostIf);
  await pod('sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0');
  await pod('ip', 'addr', 'add', `${p.ip}/32`, 'dev', 'eth0');
  await pod('ip', 'link', 'set', 'eth0', 'up');
  await pod('ip', 'route', 'add', GW4, 'dev', 'eth0', 'scope', 'link');
  await pod('ip', 'route', 'add', 'default', 'via', GW4, 'dev', 'eth0');
  if (p.ip6) {
    await node('ip', '-6', 'addr', 'add', `${GW6}/64`, 'dev', hostIf, 'nodad');
    await node('ip', '-6', 'route', 'add', `${p.ip6}/128`, 'dev', hostIf);
    await pod('ip', '-6', 'addr', 'add', `${p.ip6}/128`, 'dev', 'eth0', 'nodad');
    await pod('ip', '-6', 'route', 'add', 'default', 'via', GW6, 'dev', 'eth0');
  }
  return hostIf;
}

const SERVER = `
const net = require('net'), dgram = require('dgram');
const [tcp, udp] = JSON.parse(process.argv[1]);
let pending = tcp.length + udp.length;
const up = () => { if (--pending === 0) console.log('ready'); };
for (const p of tcp) net.createServer((s) => { s.on('error', () => {}); s.write('ok'); s.pipe(s); }).listen(p, '::', up);
for (const p of udp) {
  const u = dgram.createSocket('udp6');
  u.on('message', (m, r) => u.send(m, r.port, r.address));
  u.bind(p, '::', up);
}
if (pending === 0) console.log('ready');
`;

export interface Servers {
  stop(): void;
}

/** Starts TCP and UDP echo servers in `ns` (dual-stack) and waits until they listen. */
export async function startServers(
  ns: string,
  ports: { tcp?: number[]; udp?: number[] },
): Promise<Servers> {
  assertOurs(ns);
  const child: ChildProcess = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      '-e',
      SERVER,
      JSON.stringify([ports.tcp ?? [], ports.udp ?? []]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`servers in ${ns} exited ${code}: ${err}`)));
  });
  return {
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const PROBE = `
const net = require('net'), dgram = require('dgram');
const [proto, host, port, ms] = JSON.parse(process.argv[1]);
const done = (ok) => { console.log(ok ? 'ok' : 'fail'); process.exit(0); };
setTimeout(() => done(false), ms);
if (proto === 'tcp') {
  const s = net.connect({ host, port }, () => s.once('data', () => { s.destroy(); done(true); }));
  s.on('error', () => done(false));
} else {
  const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  u.on('message', () => done(true));
  u.send('ping', port, host);
}
`;

/** True when `ns` can reach host:port over TCP (connect + reply) or UDP (echo). */
export async function probe(
  ns: string,
  target: { proto: 'tcp' | 'udp'; host: string; port: number },
  timeoutMs = 1000,
): Promise<boolean> {
  const res = await nsExec(ns, process.execPath, [
    '-e',
    PROBE,
    JSON.stringify([target.proto, target.host, target.port, timeoutMs]),
  ]);
  return res.stdout.trim() === 'ok';
}

const SESSION = `
const net = require('net');
const [host, port] = JSON.parse(process.argv[1]);
const s = net.connect({ host, port });
s.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
s.once('data', () => {
  console.log('connected');
  s.on('data', (d) => console.log('echo ' + d.toString().trim()));
  process.stdin.on('data', (d) => s.write(d));
});
`;

export interface TcpSession {
  /** Sends a line on the open connection; true when it is echoed within timeoutMs. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): void;
}

/** Opens a long-lived TCP connection from `ns` to an echo server (startServers). */
export async function openTcpSession(ns: string, host: string, port: number): Promise<TcpSession> {
  assertOurs(ns);
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '-e', SESSION, JSON.stringify([host, port])],
    {
      stdio: ['pipe', 'pipe', 'ignore'],
    },
  );
  let out = '';
  const waitFor = (text: string, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (out.includes(text)) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(true);
        }
      };
      const timer = setTimeout(() => {
        child.stdout.off('data', check);
        resolve(false);
      }, ms);
      child.stdout.on('data', check);
      check();
    });
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  if (!(await waitFor('connected', 3000))) {
    child.kill('SIGKILL');
    throw new Error(`tcp session ${ns} → ${host}:${port} did not connect`);
  }
  let n = 0;
  return {
    ping: (timeoutMs = 1000) => {
      const token = `p${++n}`;
      child.stdin.write(`${token}\n`);
      return waitFor(`echo ${token}`, timeoutMs);
    },
    close: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function must(p: Promise<ExecResult>, what: string): Promise<void> {
  const res = await p;
  if (res.code !== 0) throw new Error(`${what}: ${res.stderr.trim()}`);
}
