import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '@palisade/common';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { AgentMetrics } from '../metrics.js';
import { BlockedConnectionMonitor, type SpawnFn } from './blockedConnectionMonitor.js';
import { describeBlocked, directionFromPrefix, type BlockedContext } from './describe.js';
import type { LoggedPacket } from './pcap.js';

const pods: Record<string, { namespace: string; name: string; node: string }> = {
  '10.65.1.7': { namespace: 'x', name: 'a', node: 'n1' },
  '10.65.2.11': { namespace: 'y', name: 'b', node: 'n2' },
};
const ctx: BlockedContext = {
  describeIp: (ip) => pods[ip] ?? null,
  policiesFor: (ref, dir) =>
    ref.namespace === 'y' && dir === 'ingress'
      ? [{ namespace: 'y', name: 'deny-all' }]
      : ref.namespace === 'x'
        ? [
            { namespace: 'x', name: 'p1' },
            { namespace: 'x', name: 'p2' },
          ]
        : [],
};

const pkt = (over: Partial<LoggedPacket> = {}): LoggedPacket => ({
  group: 1,
  prefix: 'pal|D|i|abc',
  family: 4,
  protocol: 'TCP',
  src: '10.65.1.7',
  dst: '10.65.2.11',
  srcPort: 56648,
  dstPort: 80,
  ...over,
});

describe('describeBlocked', () => {
  it.each([
    [
      pkt(),
      'TCP 10.65.1.7:56648 -> 10.65.2.11:80 blocked: x/a -> y/b, ingress, isolated by policy y/deny-all, no rule allows',
    ],
    [
      pkt({ prefix: 'pal|D|e|abc', dst: '8.8.8.8', protocol: 'UDP', dstPort: 53 }),
      'UDP 10.65.1.7:56648 -> 8.8.8.8:53 blocked: x/a -> 8.8.8.8 (not a pod), egress, isolated by policies x/p1, x/p2, no rule allows',
    ],
    [
      pkt({ family: 6, src: 'fd00::1', dst: 'fd00::2', prefix: 'odd' }),
      'TCP [fd00::1]:56648 -> [fd00::2]:80 blocked: fd00::1 (not a pod) -> fd00::2 (not a pod), unknown, isolated, no rule allows',
    ],
    [
      pkt({ protocol: 'ICMP', srcPort: null, dstPort: null }),
      'ICMP 10.65.1.7 -> 10.65.2.11 blocked: x/a -> y/b, ingress, isolated by policy y/deny-all, no rule allows',
    ],
  ])('%#', (p, line) => {
    expect(describeBlocked(p, ctx).line).toBe(line);
  });

  it.each([
    ['pal|D|i|abcdefgh', 'ingress'],
    ['pal|D|e|abcdefgh', 'egress'],
    ['pal-drop tw abc', 'ingress'],
    ['pal-fw-abcdef DROP', 'egress'],
    ['palisade egress drop', 'egress'],
    ['something', 'unknown'],
  ])('direction of prefix %j is %s', (prefix, dir) => {
    expect(directionFromPrefix(prefix)).toBe(dir);
  });
});

describe('BlockedConnectionMonitor', () => {
  function setup(maxLinesPerSecond: number) {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push((JSON.parse(chunk.toString()) as { message: string }).message);
        cb();
      },
    });
    const logger = createLogger({ format: 'json', stream });
    const metrics = new AgentMetrics(new Registry());
    let t = 1000;
    const mon = new BlockedConnectionMonitor({
      group: 1,
      logger,
      metrics,
      context: ctx,
      maxLinesPerSecond,
      now: () => t,
    });
    return { mon, lines, metrics, advance: (ms: number) => (t += ms) };
  }

  it('logs one line per connection, counts it, and rate-limits lines', async () => {
    const { mon, lines, metrics, advance } = setup(2);
    mon.handle(pkt());
    mon.handle(pkt()); // SYN retransmit: same connection
    mon.handle(pkt({ srcPort: 1 }));
    mon.handle(pkt({ srcPort: 2 })); // over the 2 lines/s budget
    advance(1000);
    mon.handle(pkt({ srcPort: 3 }));
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TCP 10\.65\.1\.7:56648 -> 10\.65\.2\.11:80 blocked/);
    const counted = await metrics.blockedConnections.get();
    expect(counted.values).toEqual([
      { value: 4, labels: { namespace: 'y', pod: 'b', direction: 'ingress' } },
    ]);
    expect((await metrics.blockedLogSuppressed.get()).values[0]?.value).toBe(1);
  });

  it('warns once and keeps going when tcpdump is missing', async () => {
    const { mon } = setup(1);
    const warnings: string[] = [];
    const m = new BlockedConnectionMonitor({
      group: 1,
      logger: createLogger({
        format: 'json',
        stream: new Writable({
          write(c: Buffer, _e, cb) {
            warnings.push(c.toString());
            cb();
          },
        }),
      }),
      metrics: new AgentMetrics(new Registry()),
      context: ctx,
      spawn: () => {
        const child = Object.assign(new EventEmitter(), {
          stdout: new PassThrough(),
          stderr: new PassThrough(),
          kill: () => true,
        });
        setImmediate(() =>
          child.emit('error', Object.assign(new Error('spawn tcpdump ENOENT'), { code: 'ENOENT' })),
        );
        return child as unknown as ReturnType<SpawnFn>;
      },
    });
    m.start();
    // Wait for the warning (not a fixed delay: the machine may be loaded), then a little more for duplicates.
    for (let i = 0; i < 200 && warnings.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    m.stop();
    mon.stop();
    expect(warnings.join('')).toMatch(/tcpdump not found/);
    expect(warnings).toHaveLength(1);
  });
});
