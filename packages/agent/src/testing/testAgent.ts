/**
 * Starting the agent process in an integration test, with the flags every agent itest
 * passes (node name, etcd through the node namespace's relay, an ephemeral metrics
 * port), and reading what it publishes: its /metrics from inside the node namespace.
 */
import { NODE } from './itestCluster.js';
import { nsGet, type AgentProcess, type Topology } from './agentHarness.js';

export interface TestAgentOptions {
  /** The relay URL from `topo.relayEtcd()`. */
  etcdUrl: string;
  /** Default false: only the v4 table is programmed. */
  ipv6?: boolean;
  /** `--status-ttl` in seconds (the agent's default when absent). */
  statusTtlSeconds?: number;
  /** `--resync-interval`, e.g. `0.4s`. */
  resyncInterval?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Any further flags, appended last. */
  extraArgs?: string[];
}

export function startTestAgent(topo: Topology, opts: TestAgentOptions): AgentProcess {
  const args = [
    ...['--node-name', NODE, '--etcd-endpoints', opts.etcdUrl, '--metrics-port', '0'],
    ...['--ipv6', String(opts.ipv6 ?? false)],
  ];
  if (opts.statusTtlSeconds !== undefined) args.push('--status-ttl', String(opts.statusTtlSeconds));
  if (opts.resyncInterval !== undefined) args.push('--resync-interval', opts.resyncInterval);
  if (opts.logLevel !== undefined) args.push('--log-level', opts.logLevel);
  return topo.startAgent([...args, ...(opts.extraArgs ?? [])]);
}

/** The agent's Prometheus text, fetched inside the node namespace. */
export async function scrapeMetrics(topo: Topology, agent: AgentProcess): Promise<string> {
  const port = await agent.metricsPort();
  const res = await nsGet(topo.node, `http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${res.body}`);
  return res.body;
}

/** The value of one sample (`name{labels}` exactly as exposed), or null when absent. */
export function metricValue(text: string, sample: string): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return null;
}
