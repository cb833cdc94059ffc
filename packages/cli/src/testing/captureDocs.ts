/**
 * Records the real output shown in docs/cli.md: starts etcd, seeds the shop fixture,
 * runs palisadectl as a process for each example and prints markdown to stdout.
 *   tsx --conditions=palisade-source packages/cli/src/testing/captureDocs.ts > /tmp/out.md
 * With `--cluster` it seeds the shop with its cluster policies (clusterShopData) and
 * records the cluster-policy examples instead.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdClient } from '@palisade/datastore';
import { startEtcd } from '@palisade/datastore/testing';
import { agentKey } from '@palisade/model';
import { putAgent, seedShop } from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const BIN = path.join(ROOT, 'packages/cli/src/bin.ts');

/** stdout and stderr through one pipe (2>&1), so the interleaving is what a terminal shows. */
function ctl(endpoint: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', '"$@" 2>&1', 'sh', TSX, '--conditions=palisade-source', BIN, ...args],
      { cwd: ROOT, env: { ...process.env, PALISADE_ETCD_ENDPOINTS: endpoint, COLUMNS: '100' } },
      (err, stdout) =>
        resolve({ code: err && typeof err.code === 'number' ? err.code : 0, out: stdout }),
    );
  });
}

const quote = (a: string): string => (/[\s'"()!&|=]/.test(a) ? `"${a}"` : a);

async function show(endpoint: string, args: string[]): Promise<void> {
  const r = await ctl(endpoint, args);
  const exit = r.code === 0 ? '' : `$ echo $?\n${r.code}\n`;
  process.stdout.write(
    `\`\`\`console\n$ palisadectl ${args.map(quote).join(' ')}\n${r.out}${exit}\`\`\`\n\n`,
  );
}

const CLUSTER_EXAMPLES: string[][] = [
  ['get', 'clusterpolicies'],
  ['get', 'cnp', '-o', 'wide'],
  ['get', 'cnp', 'guard-db', '-o', 'yaml'],
  ['describe', 'cnp', 'guard-db'],
  ['describe', 'cnp', 'allow-dns'],
  ['explain', '--from', 'shop/front', '--to', 'shop/db', '--port', '6379'],
  ['explain', '--from', 'shop/mid', '--to', 'shop/db', '--port', '6379'],
  ['explain', '--from', 'shop/mid', '--to', 'outside/client', '--port', '80'],
  ['explain', '--from', 'shop/front', '--to', '10.96.0.10', '--port', '53', '--protocol', 'UDP'],
];

const etcd = await startEtcd();
const client = EtcdClient.connect({ endpoints: etcd.endpoints });
try {
  const cluster = process.argv.includes('--cluster');
  const { modelRevision } = await seedShop(client, { cluster });
  const ep = etcd.endpoints.join(',');
  if (cluster) for (const args of CLUSTER_EXAMPLES) await show(ep, args);
  else await shopExamples(ep, modelRevision);
} finally {
  await client.close();
  await etcd.destroy();
}

async function shopExamples(ep: string, modelRevision: string): Promise<void> {
  const examples: string[][] = [
    ['get', 'policies', '-A'],
    ['get', 'policies', '-A', '-o', 'wide'],
    ['get', 'policy', 'allow-db', '-n', 'shop', '-o', 'yaml'],
    ['get', 'policy', 'shop/allow-db', '-o', 'json'],
    ['get', 'endpoints', '-A', '-o', 'wide'],
    ['get', 'ep', '-A', '-l', "ns:team == 'blue' && app != 'db'"],
    ['get', 'pol', '-A', '-l', 'app=mid'],
    ['get', 'namespaces'],
    ['get', 'nodes'],
    ['describe', 'policy', 'shop/allow-db'],
    ['describe', 'policy', 'shop/allow-front'],
    ['describe', 'policy', 'outside/broken'],
    ['explain', '--from', 'shop/front', '--to', 'shop/db', '--port', '6379'],
    ['explain', '--from', 'shop/mid', '--to', 'shop/db', '--port', '6379'],
    ['explain', '--from', '192.168.7.20', '--to', 'shop/front', '--port', '80'],
    ['explain', '--from', 'shop/mid', '--to', '10.0.1.2', '--port', '6379', '-o', 'json'],
    ['status'],
    ['get', 'policy', 'nope', '-n', 'shop'],
    ['get', 'pol', '--frobnicate'],
  ];
  for (const args of examples) await show(ep, args);
  process.stdout.write('<!-- unhealthy: node-b lost its agent, node-a is behind -->\n\n');
  await client.delete(agentKey('node-b'));
  await putAgent(client, 'node-a', String(BigInt(modelRevision) - 3n));
  await show(ep, ['status']);
  await show(ep, ['status', '--wait', '--timeout', '2s']);
  await show(ep, ['get', 'nodes']);
  await show('http://127.0.0.1:1', ['get', 'policies', '-A']);
}
