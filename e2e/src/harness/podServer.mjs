// A pod's workload, run inside the pod's network namespace:
//  - serves every configured port on TCP (accept, then close) and UDP (echo);
//  - answers probe requests on a unix socket (unix sockets cross network
//    namespaces), so the harness can open connections *from* this pod quickly.
// Usage: node podServer.mjs <unix-socket-path> <port[/tcp|/udp],...>
//   a bare port is served on TCP and UDP; SCTP has no server here (its probes are skipped).
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';

const [sockPath, portList] = process.argv.slice(2);
const served = (portList ?? '')
  .split(',')
  .filter(Boolean)
  .flatMap((entry) => {
    const [port, proto] = entry.split('/');
    return (proto ? [proto] : ['tcp', 'udp']).map((p) => ({ port: Number(port), proto: p }));
  });

for (const { port, proto } of served) {
  if (proto === 'tcp') {
    const tcp = net.createServer((c) => {
      c.on('error', () => {});
      c.end();
    });
    tcp.listen({ port, host: '::', ipv6Only: false });
  }
  if (proto !== 'udp') continue;
  for (const type of ['udp4', 'udp6']) {
    const udp = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
    udp.on('error', () => {});
    udp.bind(port, type === 'udp4' ? '0.0.0.0' : '::');
  }
}

// `reset` (the benchmark's connection rate) waits for the server's FIN, that is until
// the server has accepted the connection, and then ends it with RST instead of FIN.
// The RST keeps back-to-back connections from piling up TIME_WAIT sockets and running
// the client out of ephemeral ports. Waiting for the accept keeps the client from
// running ahead of the server: the kernel completes handshakes without it, so a client
// that stopped at `connect` filled the listen queue whenever the server's process
// stalled, and the SYNs it then dropped waited out the 1 s timeout (ListenOverflows).
function probeTcp(host, port, timeoutMs, reset = false) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => finish(false, 'timeout'), timeoutMs);
    function finish(ok, err) {
      clearTimeout(t);
      if (ok && reset) s.resetAndDestroy();
      else s.destroy();
      resolve({ ok, err });
    }
    if (reset) {
      s.resume();
      s.once('end', () => finish(true));
    } else s.once('connect', () => finish(true));
    s.once('error', (e) => finish(false, e.code ?? String(e)));
  });
}

function probeUdp(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const payload = Buffer.from(`probe-${Math.random()}`);
    const t = setTimeout(() => finish(false, 'timeout'), timeoutMs);
    function finish(ok, err) {
      clearTimeout(t);
      try {
        s.close();
      } catch {}
      resolve({ ok, err });
    }
    s.on('message', (m) => {
      if (m.equals(payload)) finish(true);
    });
    s.on('error', (e) => finish(false, e.code ?? String(e)));
    s.send(payload, port, host);
  });
}

// Opens TCP connections back to back (with `concurrency` in flight) for durationMs;
// reports how many were established. Used by the e2e benchmark.
async function connectRate(host, port, timeoutMs, req) {
  const until = Date.now() + req.durationMs;
  let ok = 0;
  let failed = 0;
  async function worker() {
    while (Date.now() < until) {
      const r = await probeTcp(host, port, timeoutMs, true);
      if (r.ok) ok++;
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: req.concurrency ?? 1 }, worker));
  return { ok: failed === 0, count: ok, failed };
}

try {
  fs.unlinkSync(sockPath);
} catch {}
const control = net.createServer((conn) => {
  let buf = '';
  conn.on('error', () => {});
  conn.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const req = JSON.parse(line);
      const work =
        req.op === 'rate'
          ? connectRate(req.host, req.port, req.timeoutMs, req)
          : (req.protocol === 'UDP' ? probeUdp : probeTcp)(req.host, req.port, req.timeoutMs);
      work.then((res) => {
        if (!conn.destroyed) conn.write(JSON.stringify({ id: req.id, ...res }) + '\n');
      });
    }
  });
});
control.listen(sockPath, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
