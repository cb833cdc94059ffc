// Listens on 127.0.0.1:<port> inside a node's network namespace and forwards each
// connection to a unix socket in the harness's namespace, so agents running inside
// their node namespace reach the test etcd without touching the host network.
// Usage: node relay.mjs <listen-port> <unix-socket-path>
import net from 'node:net';

const [port, target] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(target);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
