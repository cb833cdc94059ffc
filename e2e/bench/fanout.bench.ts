/**
 * `pnpm bench fanout [--watchers 50,200] [--writes 1000] [--rate 50]`: watch fan-out
 * from a real single-member etcd to N simulated agents, once directly and once through
 * `etcd grpc-proxy`.
 *
 * Each simulated agent is a real Syncer on ROOT_PREFIX with its own EtcdClient and the
 * agent's decoding (a ValidationFilter for its own node), but no calc graph and no
 * dataplane; all of them run in this one process. The writer puts `--writes` new
 * endpoints with EtcdClient.put + EndpointSchema (the controller's write path), one
 * at a time, paced at `--rate` writes per second so that the single Node process
 * decoding N copies of every event is not the bottleneck being measured.
 *
 * Per run (a fresh etcd for each mode and N):
 *  - latency: put issued → the endpoint decoded by every watcher, p50/p99 (ms)
 *  - etcd CPU seconds over the write phase (/proc/<pid>/stat utime+stime)
 *  - etcd peak RSS (/proc/<pid>/status VmHWM, whole run)
 *  - bytes sent by etcd over the write phase (etcd_network_client_grpc_sent_bytes_total)
 *  - for the proxy runs, the proxy's own CPU seconds and peak RSS
 * Human lines go to stderr; one JSON line per run, then one JSON line of ratios
 * (proxy / direct for each N), go to stdout.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { silentLogger } from '@palisade/common';
import { ValidationFilter } from '@palisade/agent';
import { EtcdClient, Syncer, type SyncUpdate } from '@palisade/datastore';
import { startEtcdCluster, startGrpcProxy } from '@palisade/datastore/testing';
import { API_VERSION, EndpointSchema, ROOT_PREFIX, endpointKey, type Endpoint } from '@palisade/model';

const { values: flags } = parseArgs({
  options: {
    watchers: { type: 'string', default: '50,200' },
    writes: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
  },
});
const WATCHERS = flags.watchers.split(',').map((s) => Number(s.trim()));
const WRITES = Number(flags.writes);
const RATE = Number(flags.rate);
if (WATCHERS.some((n) => !Number.isInteger(n) || n < 1) || !(WRITES > 0) || !(RATE > 0)) {
  process.stderr.write('usage: fanout.bench.ts [--watchers 50,200,500] [--writes 1000] [--rate 50]\n');
  process.exit(2);
}
const NAMESPACES = 20;
const CLK_TCK = 100; // Linux USER_HZ

const say = (s: string): boolean => process.stderr.write(`[fanout] ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(sorted: number[], p: number): number {
  const v = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return Math.round(v * 10) / 10;
}

function cpuSeconds(pid: number | null): number {
  if (pid === null) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function peakRssMb(pid: number | null): number {
  if (pid === null) return NaN;
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

async function grpcSentBytes(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const m = /^etcd_network_client_grpc_sent_bytes_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!m) throw new Error(`etcd_network_client_grpc_sent_bytes_total not found at ${metricsUrl}`);
  return Number(m[1]);
}

function endpoint(i: number, node: string): Endpoint {
  const ns = `ns-${i % NAMESPACES}`;
  return EndpointSchema.parse({
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace: ns, name: `pod-${i}` },
    spec: {
      node,
      ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      labels: { app: `app-${i % 50}`, tier: i % 2 ? 'a' : 'b', 'pod-template-hash': `h${i % 7}` },
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    },
  });
}

interface RunResult {
  mode: 'direct' | 'proxy';
  watchers: number;
  writes: number;
  rate: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  etcdCpuSeconds: number;
  etcdPeakRssMb: number;
  etcdSentBytes: number;
  etcdSentBytesPerWrite: number;
  proxyCpuSeconds?: number;
  proxyPeakRssMb?: number;
}

async function run(mode: 'direct' | 'proxy', n: number): Promise<RunResult> {
  const cluster = await startEtcdCluster({ size: 1 });
  const member = cluster.members[0]!;
  const proxy = mode === 'proxy' ? await startGrpcProxy(cluster.endpoints) : null;
  const watchEndpoints = proxy ? [proxy.endpoint] : cluster.endpoints;
  const writer = EtcdClient.connect({ endpoints: cluster.endpoints });
  const clients: EtcdClient[] = [];
  const syncers: Syncer[] = [];
  // Per write index: when the put was issued, and how many watchers have decoded it.
  const issued: number[] = new Array<number>(WRITES).fill(NaN);
  const seen: number[] = new Array<number>(WRITES).fill(0);
  const done: number[] = new Array<number>(WRITES).fill(NaN);
  const indexOfPod = new Map<string, number>();
  let inSync = 0;
  let allDone: () => void = () => {};
  let remaining = WRITES;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  try {
    for (let a = 0; a < n; a++) {
      const client = EtcdClient.connect({ endpoints: watchEndpoints });
      const filter = new ValidationFilter({ nodeName: `node-${a}`, logger: silentLogger() });
      let synced = false;
      const syncer = new Syncer({
        client,
        prefix: ROOT_PREFIX,
        callbacks: {
          onUpdates: (updates: SyncUpdate[]) => {
            const now = performance.now();
            for (const input of filter.filter(updates)) {
              if (input.kind !== 'endpoint' || input.value === null) continue;
              const i = indexOfPod.get(`${input.ref.namespace}/${input.ref.name}`);
              if (i === undefined) continue;
              if (++seen[i]! === n) {
                done[i] = now;
                if (--remaining === 0) allDone();
              }
            }
          },
          onStatus: (status) => {
            if (status === 'in-sync' && !synced) {
              synced = true;
              inSync++;
            }
          },
        },
      });
      clients.push(client);
      syncers.push(syncer);
      syncer.start();
    }
    const syncDeadline = Date.now() + 60_000;
    while (inSync < n) {
      if (Date.now() > syncDeadline) throw new Error(`only ${inSync}/${n} watchers in sync after 60 s`);
      await sleep(50);
    }
    say(`${mode} N=${n}: ${n} watchers in sync; writing ${WRITES} endpoints at ${RATE}/s`);
    await sleep(500);

    const values = Array.from({ length: WRITES }, (_, i) => endpoint(i, `node-${i % n}`));
    const keys = values.map((v) => endpointKey(v.spec.node, v.metadata.namespace, v.metadata.name));
    values.forEach((v, i) => indexOfPod.set(`${v.metadata.namespace}/${v.metadata.name}`, i));
    const cpu0 = cpuSeconds(member.pid);
    const proxyCpu0 = proxy ? cpuSeconds(proxy.pid) : NaN;
    const bytes0 = await grpcSentBytes(member.metricsUrl);
    const t0 = performance.now();
    for (let i = 0; i < WRITES; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      issued[i] = performance.now();
      await writer.put(keys[i]!, EndpointSchema, values[i]!, { expectModRevision: '0' });
    }
    const timeout = sleep(60_000).then(() => 'timeout' as const);
    if ((await Promise.race([finished, timeout])) === 'timeout')
      throw new Error(`${remaining} writes not delivered to all ${n} watchers within 60 s`);
    const cpu = cpuSeconds(member.pid) - cpu0;
    const proxyCpu = proxy ? cpuSeconds(proxy.pid) - proxyCpu0 : NaN;
    const bytes = (await grpcSentBytes(member.metricsUrl)) - bytes0;

    const lat = done.map((d, i) => d - issued[i]!).sort((a, b) => a - b);
    const result: RunResult = {
      mode,
      watchers: n,
      writes: WRITES,
      rate: RATE,
      latencyP50Ms: pct(lat, 50),
      latencyP99Ms: pct(lat, 99),
      latencyMaxMs: pct(lat, 100),
      etcdCpuSeconds: Math.round(cpu * 100) / 100,
      etcdPeakRssMb: peakRssMb(member.pid),
      etcdSentBytes: bytes,
      etcdSentBytesPerWrite: Math.round(bytes / WRITES),
      ...(proxy
        ? { proxyCpuSeconds: Math.round(proxyCpu * 100) / 100, proxyPeakRssMb: peakRssMb(proxy.pid) }
        : {}),
    };
    return result;
  } finally {
    await Promise.all(syncers.map((s) => s.stop()));
    await Promise.all(clients.map((c) => c.close()));
    await writer.close();
    await proxy?.destroy();
    await cluster.destroy();
  }
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

const results: RunResult[] = [];
for (const n of WATCHERS) {
  for (const mode of ['direct', 'proxy'] as const) {
    const r = await run(mode, n);
    results.push(r);
    process.stdout.write(`${JSON.stringify({ bench: 'fanout', ...r })}\n`);
  }
}
const ratios = WATCHERS.map((n) => {
  const d = results.find((r) => r.watchers === n && r.mode === 'direct')!;
  const p = results.find((r) => r.watchers === n && r.mode === 'proxy')!;
  return {
    watchers: n,
    latencyP50: ratio(p.latencyP50Ms, d.latencyP50Ms),
    latencyP99: ratio(p.latencyP99Ms, d.latencyP99Ms),
    etcdCpu: ratio(p.etcdCpuSeconds, d.etcdCpuSeconds),
    etcdPeakRss: ratio(p.etcdPeakRssMb, d.etcdPeakRssMb),
    etcdSentBytes: ratio(p.etcdSentBytes, d.etcdSentBytes),
  };
});
process.stdout.write(`${JSON.stringify({ bench: 'fanout', ratiosProxyOverDirect: ratios })}\n`);
