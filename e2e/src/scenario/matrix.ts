/** Probing a reachability matrix and comparing it with an expectation. */
import type { Cluster } from '../harness/cluster.js';

export interface Cell {
  from: string;
  to: string;
  expected: '0' | '1' | '?';
}

export interface MatrixResult {
  observed: string[];
  diffs: { from: string; to: string; expected: string; observed: string; detail?: string }[];
}

/**
 * Probes every checked cell once, all in parallel. A cell succeeds only if every IP of
 * the server (both families on dual-stack clusters) is reachable, so IPv6 must behave
 * exactly like IPv4 — except where `firstIpOnly` is set. The diagonal is not
 * probed: traffic to a pod's own IP never leaves the pod.
 */
export async function probeMatrix(opts: {
  cluster: Cluster;
  order: string[];
  expected: string[];
  port: number;
  protocol: 'TCP' | 'UDP';
  timeoutMs: number;
  /** Probe only each server's first (IPv4) address. */
  firstIpOnly?: boolean;
}): Promise<MatrixResult> {
  const { cluster, order } = opts;
  const n = order.length;
  const observed: string[][] = order.map(() => Array<string>(n).fill('?'));
  const details = new Map<string, string>();
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const exp = opts.expected[i]![j]!;
      if (exp === '?') continue;
      if (i === j) {
        observed[i]![j] = '1';
        continue;
      }
      const client = cluster.pods.get(order[i]!)!;
      const server = cluster.pods.get(order[j]!)!;
      jobs.push(
        (async () => {
          const ips = opts.firstIpOnly ? server.net.ips.slice(0, 1) : server.net.ips;
          const results = await Promise.all(ips.map((ip) => client.client.probe(ip, opts.port, opts.protocol, opts.timeoutMs)));
          observed[i]![j] = results.every((r) => r.ok) ? '1' : '0';
          const errs = results.filter((r) => !r.ok).map((r) => r.err ?? 'failed');
          if (errs.length > 0) details.set(`${i},${j}`, errs.join(','));
        })(),
      );
    }
  }
  await Promise.all(jobs);
  const rows = observed.map((r) => r.join(''));
  const diffs: MatrixResult['diffs'] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const e = opts.expected[i]![j]!;
      const o = rows[i]![j]!;
      if (e !== '?' && e !== o) {
        const detail = details.get(`${i},${j}`);
        diffs.push({ from: order[i]!, to: order[j]!, expected: e, observed: o, ...(detail ? { detail } : {}) });
      }
    }
  return { observed: rows, diffs };
}

export function formatMatrix(order: string[], rows: string[], other?: string[]): string {
  const width = Math.max(...order.map((p) => p.length));
  const header = `${' '.repeat(width)}  ${order.map((_, j) => String(j % 10)).join('')}`;
  const lines = rows.map((r, i) => {
    const marks = other ? [...r].map((c, j) => (other[i]![j] !== '?' && c !== '?' && other[i]![j] !== c ? '^' : ' ')).join('') : '';
    return `${order[i]!.padEnd(width)}  ${r}${marks.trim() ? `  ${marks}` : ''}`;
  });
  return [header, ...lines].join('\n');
}
