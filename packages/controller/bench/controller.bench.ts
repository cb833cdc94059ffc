/**
 * Controller benchmark (run: tsx --conditions=palisade-source packages/controller/bench/controller.bench.ts).
 *
 * 1. Initial sync: 100 namespaces, 10,000 pods and 1,000 policies in the test API
 *    server (`--namespaces N --endpoints N --policies N` choose another size); a controller process lists them and writes the model to an empty etcd.
 *    Reports wall time (controller start → the first full reconcile that covered every
 *    kind), etcd writes, the controller's peak RSS and its longest event-loop stall
 *    (a stall past the lease TTL, 3 s here, costs it leadership; that is counted too). Baseline in the same run: the same values written
 *    straight to etcd with the same client and concurrency.
 * 2. 200 single-policy updates through the API server, one at a time: latency from the
 *    API write to the etcd write (seen on an etcd watch), p50/p99.
 * Prints progress to stderr and one final JSON line to stdout.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { errorMessage, parseSizeFlags, type BenchSize } from '@palisade/common';
import { EtcdClient } from '@palisade/datastore';
import { startEtcd } from '@palisade/datastore/testing';
import { startKubeApi } from '@palisade/kube-api';
import { POLICY_PREFIX, PolicySchema, policyKey } from '@palisade/model';
import { etcdStore } from '../src/etcdStore.js';
import { ControllerProcess } from '../src/testing/controllerProcess.js';
import { KubeRest } from '../src/testing/kubeRest.js';
import { makeNamespace, makeNetworkPolicy, makePod, podIPs, podLabels, onNode } from '../src/testing/builders.js';
import { translateNetworkPolicy } from '../src/translate/index.js';
import type { KNetworkPolicy } from '../src/translate/index.js';

/** The cluster size from the command line (size flags); exits with usage on a bad flag. */
function benchSize(): BenchSize {
  try {
    return parseSizeFlags(process.argv.slice(2), { defaults: { endpoints: 10_000, policies: 1_000, namespaces: 100 } });
  } catch (err) {
    process.stderr.write(`[bench] controller: ${errorMessage(err)}\n`);
    process.exit(2);
  }
}

const SIZE = benchSize();
const NAMESPACES = SIZE.namespaces;
const PODS = SIZE.endpoints;
const POLICIES = SIZE.policies;
const UPDATES = 200;
const NODES = 50;
const TARGETS = { initialSyncMs: 15_000, updateP99Ms: 50 };
const CORE_KINDS = ['policy', 'namespace', 'endpoint'];

const log = (msg: string): boolean => process.stderr.write(`[bench] ${msg}\n`);

function policy(i: number, port = 8000 + (i % 100)): KNetworkPolicy {
  const ns = `ns-${i % NAMESPACES}`;
  return makeNetworkPolicy(`pol-${i}`, ns, (np) => {
    np.spec = {
      podSelector: { matchLabels: { app: `app-${i % 20}` } },
      policyTypes: i % 3 === 0 ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress: [
        {
          ports: [{ port }, { protocol: 'UDP', port: 53 }],
          from: [
            { podSelector: { matchLabels: { role: `client-${i % 7}` } } },
            { namespaceSelector: { matchLabels: { team: `t-${i % 10}` } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } },
            { ipBlock: { cidr: `10.${i % 250}.0.0/16`, except: [`10.${i % 250}.1.0/24`] } },
          ],
        },
      ],
      egress: i % 3 === 0 ? [{ to: [{ namespaceSelector: {} }], ports: [{ port: 443 }] }] : [],
    };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function peakRssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

/** Mean key + value bytes per kind of key, as etcd stores (and a watch delivers) them. */
function bytesPerKey(items: { key: string; value: string | null }[]): Record<string, { keys: number; meanBytes: number }> {
  const sums = new Map<string, { keys: number; bytes: number }>();
  for (const { key, value } of items) {
    const kind = key.split('/')[3] ?? '?';
    const s = sums.get(kind) ?? { keys: 0, bytes: 0 };
    s.keys++;
    s.bytes += Buffer.byteLength(key) + Buffer.byteLength(value ?? '');
    sums.set(kind, s);
  }
  return Object.fromEntries([...sums].map(([kind, s]) => [kind, { keys: s.keys, meanBytes: Math.round(s.bytes / s.keys) }]));
}

async function baselineWrites(endpoints: string[], count: number): Promise<number> {
  const etcd = await startEtcd();
  const client = EtcdClient.connect({ endpoints: etcd.endpoints });
  try {
    const value = translateNetworkPolicy(policy(1)).policy;
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        await client.put(policyKey('ns-1', `p-${i}`), PolicySchema, value, { expectModRevision: '0' });
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    return performance.now() - started;
  } finally {
    void endpoints;
    await client.close();
    await etcd.destroy();
  }
}

async function main(): Promise<void> {
  const [etcd, kube] = await Promise.all([startEtcd(), startKubeApi({ bootstrapNamespaces: false })]);
  const client = EtcdClient.connect({ endpoints: etcd.endpoints });
  let ctl: ControllerProcess | null = null;
  try {
    log(`populating the API server: ${NAMESPACES} namespaces, ${PODS} pods, ${POLICIES} policies`);
    for (let n = 0; n < NAMESPACES; n++) kube.injectRaw('namespaces', makeNamespace(`ns-${n}`, { team: `t-${n % 10}` }));
    for (let p = 0; p < PODS; p++) {
      const ip = `10.${100 + Math.floor(p / 65536)}.${Math.floor(p / 256) % 256}.${p % 256}`;
      kube.injectRaw(
        'pods',
        makePod(`pod-${p}`, `ns-${p % NAMESPACES}`, onNode(`node-${p % NODES}`), podIPs(ip), podLabels({ app: `app-${p % 20}`, role: `client-${p % 7}`, tier: p % 2 ? 'a' : 'c' }), (pod) => {
          pod.spec!.containers = [{ name: 'main', image: 'pause', ports: [{ name: 'http', containerPort: 8080 }] }];
        }),
      );
    }
    for (let i = 0; i < POLICIES; i++) kube.injectRaw('networkpolicies', policy(i));
    const expectedKeys = NAMESPACES + PODS + POLICIES;

    log('starting the controller');
    const store = etcdStore(client);
    const revBefore = Number((await store.listRaw('/palisade/v1/')).revision);
    ctl = ControllerProcess.start({ kubeconfig: kube.kubeconfigPath, etcdEndpoints: etcd.endpoints, id: 'bench' });
    const starting = await ctl.waitForLog((l) => l.message === 'starting', 120_000);
    // The first full reconcile may cover only ClusterNetworkPolicies (their informer can
    // list first): wait for the one that compared every kind.
    const done = await ctl.waitForLog(
      (l) => l.message === 'full reconcile done' && CORE_KINDS.every((k) => Array.isArray(l.kinds) && l.kinds.includes(k)),
      300_000,
    );
    const initialSyncMs = Date.parse(String(done.timestamp)) - Date.parse(String(starting.timestamp));
    // prom-client resets the maximum on every scrape: this first one covers start → initial sync.
    const syncLagMaxMs = Math.round((await ctl.metric('palisade_controller_nodejs_eventloop_lag_max_seconds')) * 1000);
    const writes = await ctl.metric('palisade_controller_etcd_writes_total');
    const { items, revision } = await store.listRaw('/palisade/v1/');
    const keys = items.filter((i) => !i.key.includes('/controller/')).length;
    const stored = bytesPerKey(items);
    log(`initial sync: ${initialSyncMs} ms, ${writes} writes, ${keys}/${expectedKeys} keys, etcd revision +${Number(revision) - revBefore}`);

    log(`${UPDATES} single-policy updates`);
    const rest = new KubeRest(kube.url);
    const waiters = new Map<string, (at: number) => void>();
    const watcher = await client.raw.watch().prefix(POLICY_PREFIX).create();
    watcher.on('put', (kv) => waiters.get(kv.key.toString())?.(performance.now()));
    const latencies: number[] = [];
    for (let u = 0; u < UPDATES; u++) {
      const i = (u * 37) % POLICIES;
      const key = policyKey(`ns-${i % NAMESPACES}`, `pol-${i}`);
      const seen = new Promise<number>((resolve) => waiters.set(key, resolve));
      const started = performance.now();
      await rest.updatePolicy(policy(i, 20_000 + u));
      const at = await Promise.race([seen, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`no etcd write for ${key}`)), 10_000))]);
      waiters.delete(key);
      latencies.push(at - started);
    }
    await watcher.cancel();
    latencies.sort((a, b) => a - b);
    const updateP50Ms = Math.round(percentile(latencies, 50) * 10) / 10;
    const updateP99Ms = Math.round(percentile(latencies, 99) * 10) / 10;
    const updateMaxMs = Math.round((latencies.at(-1) ?? NaN) * 10) / 10;
    const rssMb = peakRssMb(ctl.pid);
    const updateLagMaxMs = Math.round((await ctl.metric('palisade_controller_nodejs_eventloop_lag_max_seconds')) * 1000);
    const leadershipLost = ctl.logs.filter((l) => l.message === 'deposed: stopped writing').length;
    log(`update latency p50 ${updateP50Ms} ms, p99 ${updateP99Ms} ms, max ${updateMaxMs} ms; controller peak RSS ${rssMb} MB`);
    log(`controller event loop lag max: ${syncLagMaxMs} ms during initial sync, ${updateLagMaxMs} ms during updates; leadership lost ${leadershipLost}×`);

    log('baseline: the same number of CAS writes straight to a fresh etcd');
    const baselineMs = Math.round(await baselineWrites(etcd.endpoints, expectedKeys));
    const result = {
      bench: 'controller',
      objects: { namespaces: NAMESPACES, pods: PODS, policies: POLICIES },
      initialSyncMs,
      etcdWrites: writes,
      keysInEtcd: keys,
      bytesPerKey: stored,
      peakRssMb: rssMb,
      updates: UPDATES,
      updateP50Ms,
      updateP99Ms,
      updateMaxMs,
      eventLoopLagMaxMs: { initialSync: syncLagMaxMs, updates: updateLagMaxMs },
      leadershipLost,
      baselineEtcdWritesMs: baselineMs,
      initialSyncVsBaseline: Math.round((initialSyncMs / baselineMs) * 100) / 100,
      targets: TARGETS,
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
      pass:
        initialSyncMs < TARGETS.initialSyncMs && updateP99Ms < TARGETS.updateP99Ms && keys === expectedKeys && leadershipLost === 0,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (ctl) await ctl.stop();
    await client.close();
    await kube.stop();
    await etcd.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
