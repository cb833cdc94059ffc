/**
 * A loopback TCP proxy for tests that need to break a client's connection to etcd
 * without touching etcd itself: `drop()` resets every open connection, `block()`
 * also refuses new ones until `unblock()`, and `blackhole()` keeps connections
 * open but silently stops forwarding (a partition without FIN/RST).
 */
import net from 'node:net';
import { freePort } from './etcdServer.js';

export interface TcpProxy {
  /** e.g. http://127.0.0.1:<port> (same scheme as the target URL). */
  readonly url: string;
  drop(): void;
  block(): void;
  unblock(): void;
  blackhole(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const port = await freePort();
  const pairs = new Set<{ a: net.Socket; b: net.Socket }>();
  let blocked = false;
  let holed = false;

  const server = net.createServer((client) => {
    if (blocked) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, target.hostname);
    const pair = { a: client, b: upstream };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (d: Buffer) => {
        if (!holed) to.write(d);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const close = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  const drop = (): void => {
    for (const { a, b } of [...pairs]) {
      a.resetAndDestroy();
      b.destroy();
    }
    pairs.clear();
    holed = false;
  };

  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    drop,
    block: () => {
      blocked = true;
      drop();
    },
    unblock: () => {
      blocked = false;
      holed = false;
    },
    blackhole: () => {
      holed = true;
    },
    close: async () => {
      blocked = true;
      drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
