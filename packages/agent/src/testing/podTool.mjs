// Runs inside a pod's network namespace (integration tests of the agent).
// Serves TCP echo on the ports given in argv and UDP echo on the same port numbers,
// and answers JSON-line commands on stdin with JSON lines on stdout:
//   {"id":1,"op":"tcp","host":"10.65.0.3","port":80,"timeoutMs":300}  -> {"id":1,"ok":true}
//   {"id":2,"op":"udp",...}                                              -> {"id":2,"ok":false}
//   {"id":3,"op":"hold","host":...,"port":...}   opens a long-lived TCP connection -> {"id":3,"ok":true}
//   {"id":4,"op":"ping","hold":3,"timeoutMs":500} echoes one line over that connection
import net from 'node:net';
import dgram from 'node:dgram';
import readline from 'node:readline';

const ports = process.argv.slice(2).map(Number);
for (const port of ports) {
  // '::' is dual-stack: v4 clients arrive as v4-mapped addresses.
  net.createServer((s) => s.on('error', () => {}).pipe(s)).listen(port, '::');
  const u = dgram.createSocket('udp4');
  u.on('message', (msg, rinfo) => u.send(msg, rinfo.port, rinfo.address));
  u.bind(port, '0.0.0.0');
}

const held = new Map();
const reply = (id, ok, extra = {}) =>
  process.stdout.write(JSON.stringify({ id, ok, ...extra }) + '\n');

function tcp(cmd) {
  const s = net.connect({ host: cmd.host, port: cmd.port });
  const t = setTimeout(() => done(false), cmd.timeoutMs ?? 300);
  let finished = false;
  function done(ok) {
    if (finished) return;
    finished = true;
    clearTimeout(t);
    s.destroy();
    reply(cmd.id, ok);
  }
  s.on('connect', () => done(true));
  s.on('error', () => done(false));
}

function udp(cmd) {
  const u = dgram.createSocket('udp4');
  const t = setTimeout(() => done(false), cmd.timeoutMs ?? 300);
  function done(ok) {
    clearTimeout(t);
    u.close();
    reply(cmd.id, ok);
  }
  u.on('message', () => done(true));
  u.on('error', () => done(false));
  u.send(Buffer.from('ping'), cmd.port, cmd.host);
}

function hold(cmd) {
  const s = net.connect({ host: cmd.host, port: cmd.port });
  const t = setTimeout(() => reply(cmd.id, false), cmd.timeoutMs ?? 1000);
  s.on('error', () => {});
  s.on('connect', () => {
    clearTimeout(t);
    held.set(cmd.id, s);
    reply(cmd.id, true);
  });
}

function ping(cmd) {
  const s = held.get(cmd.hold);
  if (!s || s.destroyed) return reply(cmd.id, false, { reason: 'closed' });
  const t = setTimeout(() => {
    s.off('data', onData);
    reply(cmd.id, false, { reason: 'timeout' });
  }, cmd.timeoutMs ?? 500);
  function onData() {
    clearTimeout(t);
    s.off('data', onData);
    reply(cmd.id, true);
  }
  s.on('data', onData);
  s.write('x');
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  ({ tcp, udp, hold, ping })[cmd.op](cmd);
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write(JSON.stringify({ id: 0, ok: true, ready: true }) + '\n');
