/**
 * BlockedConnectionMonitor: reads the packets the dataplane's NFLOG drop rule logs
 * (group `group`) and writes one log line per blocked connection, counting it in
 * `palisade_blocked_connections_total`.
 *
 * Why tcpdump: it is already a dependency of the node image, reads any NFLOG group
 * without extra configuration (`-i nflog:<group>`) and streams a stable, documented
 * format (pcap + LINKTYPE_NFLOG) that we parse here. ulogd2 would need a package
 * and a config file per agent. Netlink from Node would need a native addon.
 *
 * Guarantees:
 *  - Never affects enforcement: if tcpdump is missing or dies, it warns (once for a
 *    missing binary) and restarts with backoff; the rules keep dropping either way.
 *  - Bounded output: the kernel rule rate-limits what is logged; on top of that,
 *    repeats of one connection (SYN retransmits) within `dedupeWindowMs` are ignored,
 *    and at most `maxLinesPerSecond` lines are written (the rest are counted, not
 *    logged). The counter counts every distinct connection seen.
 */
import { spawn as nodeSpawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Backoff, errorMessage, type Logger } from '@palisade/common';
import type { AgentMetrics } from '../metrics.js';
import { connectionKey, describeBlocked, type BlockedContext } from './describe.js';
import { decodeNflog, LINKTYPE_NFLOG, PcapStreamReader } from './pcap.js';

export type SpawnFn = (
  cmd: string,
  args: string[],
) => ChildProcessByStdio<null, Readable, Readable>;

export interface BlockedMonitorOptions {
  group: number;
  logger: Logger;
  metrics: Pick<AgentMetrics, 'blockedConnections' | 'blockedLogSuppressed'>;
  context: BlockedContext;
  maxLinesPerSecond?: number;
  dedupeWindowMs?: number;
  tcpdumpPath?: string;
  spawn?: SpawnFn;
  now?: () => number;
}

const defaultSpawn: SpawnFn = (cmd, args) =>
  nodeSpawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

export class BlockedConnectionMonitor {
  private child: ChildProcessByStdio<null, Readable, Readable> | null = null;
  private stopped = false;
  private warnedMissing = false;
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly recent = new Map<string, number>();
  private tokens: number;
  private lastRefill: number;
  private readonly now: () => number;

  constructor(private readonly opts: BlockedMonitorOptions) {
    this.now = opts.now ?? Date.now;
    this.tokens = this.maxLines;
    this.lastRefill = this.now();
  }

  private get maxLines(): number {
    return this.opts.maxLinesPerSecond ?? 20;
  }

  start(): void {
    this.stopped = false;
    this.launch();
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
    this.child = null;
  }

  private launch(): void {
    const bin = this.opts.tcpdumpPath ?? 'tcpdump';
    const args = [
      '-i',
      `nflog:${this.opts.group}`,
      '-w',
      '-',
      '-U',
      '-s',
      '1024',
      '--immediate-mode',
    ];
    const child = (this.opts.spawn ?? defaultSpawn)(bin, args);
    this.child = child;
    const reader = new PcapStreamReader();
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        for (const rec of reader.push(chunk)) this.onRecord(rec.data, reader);
      } catch (err) {
        this.opts.logger.warn('cannot read the NFLOG capture stream', { err: errorMessage(err) });
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        if (!this.warnedMissing)
          this.opts.logger.warn(
            'tcpdump not found: blocked connections are enforced but not logged',
            { bin },
          );
        this.warnedMissing = true;
        this.child = null;
        return;
      }
      this.opts.logger.warn('cannot start tcpdump for blocked-connection logging', {
        err: errorMessage(err),
      });
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.stopped || this.warnedMissing) return;
      const delayMs = this.backoff.next();
      this.opts.logger.warn('tcpdump exited; restarting', {
        code,
        signal,
        stderr: stderr.trim(),
        delayMs,
      });
      this.restartTimer = setTimeout(() => this.launch(), delayMs);
    });
  }

  private onRecord(data: Buffer, reader: PcapStreamReader): void {
    if (reader.linktype !== LINKTYPE_NFLOG) return;
    this.backoff.reset();
    const pkt = decodeNflog(data, reader.littleEndian);
    if (pkt) this.handle(pkt);
  }

  /** Handles one decoded packet (public for tests). */
  handle(pkt: Parameters<typeof describeBlocked>[0]): void {
    const now = this.now();
    const key = connectionKey(pkt);
    const seen = this.recent.get(key);
    if (seen !== undefined && now - seen < (this.opts.dedupeWindowMs ?? 10_000)) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
    const entry = describeBlocked(pkt, this.opts.context);
    this.opts.metrics.blockedConnections.inc({
      namespace: entry.endpoint?.namespace ?? '',
      pod: entry.endpoint?.name ?? '',
      direction: entry.direction,
    });
    if (!this.takeToken(now)) {
      this.opts.metrics.blockedLogSuppressed.inc();
      return;
    }
    this.opts.logger.info(entry.line, entry.fields);
  }

  private takeToken(now: number): boolean {
    const max = this.maxLines;
    this.tokens = Math.min(max, this.tokens + ((now - this.lastRefill) / 1000) * max);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private prune(now: number): void {
    const window = this.opts.dedupeWindowMs ?? 10_000;
    for (const [k, t] of this.recent) if (now - t >= window) this.recent.delete(k);
  }
}
