/**
 * Talks to the pod servers' unix control sockets: each probe runs *inside* the client
 * pod's network namespace, many at once over one connection per pod.
 */
import net from 'node:net';

export type ProbeProtocol = 'TCP' | 'UDP';

export interface ProbeResult {
  ok: boolean;
  err?: string;
  /** Connection-rate requests only. */
  count?: number;
  failed?: number;
}

export class PodProbeClient {
  private conn: net.Socket | null = null;
  private nextId = 1;
  private buf = '';
  private readonly pending = new Map<number, (r: ProbeResult) => void>();

  constructor(private readonly socketPath: string) {}

  private connect(): Promise<net.Socket> {
    if (this.conn && !this.conn.destroyed) return Promise.resolve(this.conn);
    return new Promise((resolve, reject) => {
      const c = net.connect(this.socketPath);
      c.once('connect', () => {
        this.conn = c;
        resolve(c);
      });
      c.once('error', reject);
      c.on('data', (d: Buffer) => this.onData(d));
      c.on('close', () => {
        for (const [, cb] of this.pending) cb({ ok: false, err: 'control socket closed' });
        this.pending.clear();
      });
    });
  }

  private onData(d: Buffer): void {
    this.buf += d.toString();
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(this.buf.slice(0, i)) as { id: number } & ProbeResult;
      this.buf = this.buf.slice(i + 1);
      const { id: _id, ...result } = msg;
      this.pending.get(msg.id)?.(result);
      this.pending.delete(msg.id);
    }
  }

  async probe(host: string, port: number, protocol: ProbeProtocol, timeoutMs: number): Promise<ProbeResult> {
    const c = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      c.write(JSON.stringify({ id, host, port, protocol, timeoutMs }) + '\n');
    });
  }

  /** Opens TCP connections back to back for durationMs; returns how many were established. */
  async connectRate(host: string, port: number, durationMs: number, concurrency: number): Promise<ProbeResult> {
    const c = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      c.write(JSON.stringify({ id, op: 'rate', host, port, timeoutMs: 1000, durationMs, concurrency }) + '\n');
    });
  }

  close(): void {
    this.conn?.destroy();
    this.conn = null;
  }
}
