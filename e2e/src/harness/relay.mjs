// A byte relay between two sockets, for crossing network namespaces: unix sockets are
// not tied to a namespace, so etcd (host loopback) reaches agents inside node
// namespaces through host `tcp → unix` in the harness and `unix → tcp` relays:
//   node relay.mjs tcp:127.0.0.1:2379 unix:/tmp/run/etcd.sock   (inside a node netns)
//   node relay.mjs unix:/tmp/run/etcd.sock tcp:127.0.0.1:40123  (in the harness's netns)
import fs from 'node:fs';
import net from 'node:net';

function parse(spec) {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`bad socket spec ${spec}: want unix:<path> or tcp:<host>:<port>`);
  return { host: m[1], port: Number(m[2]) };
}

const [listenSpec, targetSpec] = process.argv.slice(2);
const listen = parse(listenSpec);
const target = parse(targetSpec);
if (listen.path) fs.rmSync(listen.path, { force: true });
const server = net.createServer((client) => {
  const upstream = net.connect(target);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const s of [client, upstream]) {
    s.on('error', close);
    s.on('close', close);
  }
});
server.listen(listen, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
