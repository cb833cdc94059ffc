/**
 * palisadectl as a real process against a real etcd seeded with the shop fixture:
 * every output format, describe, status (healthy, missing, behind, error, --wait),
 * explain, and the documented exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EtcdClient } from '@palisade/datastore';
import { freePort, generateTestCerts, startEtcd } from '@palisade/datastore/testing';
import type { TestEtcd } from '@palisade/datastore/testing';
import { PolicySchema, agentKey, endpointKey, policyKey } from '@palisade/model';
import { putAgent, seedShop } from './testing/seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const BIN = path.join(ROOT, 'packages/cli/src/bin.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function palisadectl(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['--conditions=palisade-source', BIN, ...args],
      { cwd: ROOT, env: { ...process.env, HOME: home, PALISADE_ETCD_ENDPOINTS: etcd.endpoints.join(','), ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let etcd: TestEtcd;
let client: EtcdClient;
let home: string;
let modelRevision: string;

beforeAll(async () => {
  etcd = await startEtcd();
  client = EtcdClient.connect({ endpoints: etcd.endpoints });
  home = await mkdtemp(path.join(os.tmpdir(), 'pal-cli-home-'));
  ({ modelRevision } = await seedShop(client));
});

afterAll(async () => {
  await client?.close();
  await etcd?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('get', () => {
  it('prints tables', async () => {
    const [pol, wide, ep, ns, nodes] = await Promise.all([
      palisadectl(['get', 'policies', '-A']),
      palisadectl(['get', 'pol', '-A', '-o', 'wide']),
      palisadectl(['get', 'endpoints', '-n', 'shop', '-o', 'wide']),
      palisadectl(['get', 'ns']),
      palisadectl(['get', 'nodes']),
    ]);
    expect(pol).toMatchObject({ code: 0, stderr: '' });
    expect(pol.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+ORDER\s+SELECTOR\s+TYPES$/);
    expect(pol.stdout).toMatch(/shop\s+allow-db\s+1000\s+app == 'db' && pal:namespace == 'shop'\s+Ingress/);
    expect(wide.stdout).toMatch(/outside\s+broken\s+.*\s+0\s+0\s+spec.ingress\[0\].ports\[0\].port: named port "Bad!" is invalid/);
    expect(ep.stdout).toMatch(/^front\s+node-a\s+10.0.1.1\s+app=front\s+http:80\/TCP$/m);
    expect(ns.stdout).toMatch(/^shop\s+kubernetes.io\/metadata.name=shop,team=blue$/m);
    expect(nodes.stdout).toMatch(new RegExp(`^node-a\\s+true\\s+${modelRevision}\\s+0\\s+2\\s+\\d+s\\s+<none>$`, 'm'));
  });

  it('prints objects exactly as stored', async () => {
    const stored = await client.getRaw(policyKey('shop', 'allow-db'));
    const [json, yaml, list] = await Promise.all([
      palisadectl(['get', 'policy', 'shop/allow-db', '-o', 'json']),
      palisadectl(['get', 'pol', '-A', '-o', 'yaml']),
      palisadectl(['get', 'ep', '-A', '-l', 'app in (front,mid)', '-o', 'json']),
    ]);
    expect(json.stdout).toBe(`${JSON.stringify(JSON.parse(stored?.value ?? ''), null, 2)}\n`);
    expect(parseAllDocuments(yaml.stdout).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual([
      'broken',
      'allow-db',
      'allow-front',
      'allow-mid',
    ]);
    expect((JSON.parse(list.stdout) as { metadata: { name: string } }[]).map((e) => e.metadata.name)).toEqual(['front', 'mid']);
  });

  it('exits 3 for an unknown object and 2 for bad usage', async () => {
    const [missing, badFlag, badResource] = await Promise.all([
      palisadectl(['get', 'policy', 'nope', '-n', 'shop']),
      palisadectl(['get', 'pol', '--frobnicate']),
      palisadectl(['get', 'widgets']),
    ]);
    expect(missing).toMatchObject({ code: 3, stdout: '', stderr: 'error: policy shop/nope not found\n' });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/unknown option '--frobnicate'/);
    expect(badResource.code).toBe(2);
  });
});

describe('describe and explain', () => {
  it('describes a policy', async () => {
    const r = await palisadectl(['describe', 'policy', 'shop/allow-db']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1. Allow ingress from pods matching app == 'mid' in namespace shop on TCP 6379");
    expect(r.stdout).toContain('admits 1 endpoint: shop/mid');
  });

  it('explains verdicts as text and JSON, exiting 1 only with --exit-code', async () => {
    const [text, json, blocked, blockedData] = await Promise.all([
      palisadectl(['explain', '--from', 'shop/front', '--to', 'shop/db', '--port', '6379']),
      palisadectl(['explain', '--from', 'shop/mid', '--to', '10.0.1.2', '--port', '6379', '-o', 'json']),
      palisadectl(['explain', '--from', 'outside/client', '--to', 'shop/mid', '--port', '80', '--exit-code']),
      palisadectl(['explain', '--from', 'outside/client', '--to', 'shop/mid', '--port', '80']),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^BLOCKED: shop\/front \(10.0.1.1 on node-a\) -> shop\/db/);
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: true, ingress: { state: 'allowed', policy: 'shop/allow-db', rule: 1 } });
    expect(blocked.code).toBe(1);
    expect(blockedData.code).toBe(0);
  });
});

describe('status', () => {
  it('is healthy when both agents programmed the newest write', async () => {
    const r = await palisadectl(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Controller leader:  palisade-controller-7d9f8-x2x4q');
    expect(r.stdout).toContain(`Healthy: all 2 agents in sync and programmed up to revision ${modelRevision}.`);
  });

  it('exits 5 when an agent is missing, behind or in error', async () => {
    await client.delete(agentKey('node-b'));
    const missing = await palisadectl(['status']);
    expect(missing.code).toBe(5);
    expect(missing.stdout).toMatch(/node-b: 2 endpoints on this node but no agent status/);

    await putAgent(client, 'node-b', String(BigInt(modelRevision) - 2n));
    const behind = await palisadectl(['status', '-o', 'json']);
    expect(behind.code).toBe(5);
    expect(JSON.parse(behind.stdout)).toMatchObject({ healthy: false, nodes: [{ name: 'node-a', problems: [] }, { name: 'node-b', lag: 2, problems: ['behind'] }] });
    const tolerated = await palisadectl(['status', '--max-lag', '2']);
    expect(tolerated.code).toBe(0);

    await putAgent(client, 'node-b', modelRevision, (a) => {
      a.status.lastError = { time: new Date().toISOString(), message: 'iptables-restore: line 7 failed' };
    });
    const error = await palisadectl(['status']);
    expect(error.code).toBe(5);
    expect(error.stdout).toMatch(/node-b: error: iptables-restore: line 7 failed/);
    await putAgent(client, 'node-b', modelRevision);
  });

  it('--wait returns once every agent caught up', async () => {
    // A policy change: agents must program its revision.
    const key = policyKey('shop', 'allow-db');
    const current = await client.get(key, PolicySchema);
    const { revision } = await client.put(key, PolicySchema, { ...current!.value, spec: { ...current!.value.spec, order: 900 } });
    const waiting = palisadectl(['status', '--wait', '--timeout', '60s', '--interval', '200ms']);
    await new Promise((r) => setTimeout(r, 3000));
    await putAgent(client, 'node-a', revision);
    await putAgent(client, 'node-b', revision);
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`all 2 agents have programmed revision ${revision}`);
    modelRevision = revision;
  });

  it('--wait times out with exit 5', async () => {
    await putAgent(client, 'node-b', String(BigInt(modelRevision) - 1n));
    const r = await palisadectl(['status', '--wait', '--timeout', '1s', '--interval', '200ms']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`waiting for revision ${modelRevision}: 1/2 agents done; pending node-b \\(at \\d+\\)`));
    expect(r.stderr).toMatch(/error: timed out after 1s/);
    await putAgent(client, 'node-b', modelRevision);
  });
});

describe('configuration and errors', () => {
  it('exits 4 naming the endpoints when etcd is unreachable', async () => {
    const port = await freePort();
    const r = await palisadectl(['get', 'pol', '--etcd-endpoints', `http://127.0.0.1:${port}`, '--request-timeout', '2s']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`etcd unreachable at http://127.0.0.1:${port}`);
  });

  it('reads the config file; flags beat env beat the file', async () => {
    const port = await freePort();
    const file = path.join(home, 'cfg.yaml');
    await writeFile(file, `etcd:\n  endpoints:\n    - ${etcd.endpoints[0] ?? ''}\n`);
    const [fromFile, envWins, flagWins] = await Promise.all([
      palisadectl(['--config', file, 'get', 'ns'], { PALISADE_ETCD_ENDPOINTS: '' }),
      palisadectl(['--config', file, 'get', 'ns', '--request-timeout', '2s'], { PALISADE_ETCD_ENDPOINTS: `http://127.0.0.1:${port}` }),
      palisadectl(['get', 'ns', '--etcd-endpoints', etcd.endpoints[0] ?? ''], { PALISADE_ETCD_ENDPOINTS: `http://127.0.0.1:${port}` }),
    ]);
    expect(fromFile.code).toBe(0);
    expect(envWins.code).toBe(4);
    expect(flagWins.code).toBe(0);
  });

  it('talks to etcd over TLS with client certificates', async () => {
    const certs = await generateTestCerts();
    const tlsEtcd = await startEtcd({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCertAuth: true } });
    try {
      const r = await palisadectl(
        ['get', 'ns', '--etcd-endpoints', tlsEtcd.endpoints.join(','), '--etcd-ca-file', certs.caFile, '--etcd-cert-file', certs.clientCertFile, '--etcd-key-file', certs.clientKeyFile],
      );
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found.\n' });
    } finally {
      await tlsEtcd.destroy();
      await certs.remove();
    }
  });

  it('prints completion scripts bash accepts', async () => {
    const r = await palisadectl(['completion', 'bash']);
    const check = await new Promise<number>((resolve) => {
      const p = execFile('bash', ['-n'], (err) => resolve(err ? 1 : 0));
      p.stdin?.end(r.stdout);
    });
    expect(check).toBe(0);
  });
});

describe('stored values an attacker controls (issue 10)', () => {
  /** Sets the title, clears the screen, returns the carriage and forges a line. */
  const HOSTILE = 'x\x1b]0;title\x07\x1b[2J\r\nall agents healthy';
  const SHOWN = 'x\\x1b]0;title\\x07\\x1b[2J\\r\\nall agents healthy';
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const keys = {
    endpoint: endpointKey('node-a', 'outside', 'hostile'),
    bad: policyKey('outside', 'bad'),
    evil: policyKey('outside', 'evil'),
    spoof: endpointKey('node-b', 'outside', 'spoof'),
  };
  const forged = (text: string): boolean => text.split('\n').some((l) => l.trimStart().startsWith('all agents healthy'));

  beforeAll(async () => {
    const ep = (name: string, ip: string, labels: Record<string, string>) =>
      JSON.stringify({ apiVersion: 'palisade.io/v1', kind: 'Endpoint', metadata: { namespace: 'outside', name }, spec: { node: name === 'spoof' ? 'node-b' : 'node-a', ips: [ip], labels, ports: [] } });
    const pol = (name: string, selector: string) =>
      JSON.stringify({ apiVersion: 'palisade.io/v1', kind: 'Policy', metadata: { namespace: 'outside', name }, spec: { order: 1000, selector, types: ['Ingress'], ingress: [{ action: 'Allow', ports: [], peers: [] }], egress: [] } });
    await client.putRaw(keys.endpoint, ep('hostile', '10.0.3.3', { app: 'hostile', note: HOSTILE }));
    await client.putRaw(keys.spoof, ep('spoof', '10.0.3.4', { app: 'spoof', 'pal:namespace': 'shop' }));
    await client.putRaw(keys.bad, pol('bad', `app == '${HOSTILE}' &&`));
    await client.putRaw(keys.evil, pol('evil', "pal:namespace == 'shop'"));
    await putAgent(client, 'node-b', modelRevision, (a) => {
      a.status.lastError = { time: new Date().toISOString(), message: HOSTILE };
    });
  });

  afterAll(async () => {
    for (const key of Object.values(keys)) await client.delete(key);
    await putAgent(client, 'node-b', modelRevision);
  });

  it('never prints a raw control character for humans; JSON stays exact', async () => {
    const runs = await Promise.all([
      palisadectl(['get', 'ep', '-A', '-o', 'wide']),
      palisadectl(['get', 'nodes']),
      palisadectl(['status']),
      palisadectl(['describe', 'policy', 'outside/bad']),
      palisadectl(['explain', '--from', 'shop/front', '--to', 'outside/hostile', '--port', '80']),
    ]);
    for (const r of runs) {
      expect(r.stdout).not.toMatch(RAW);
      expect(r.stderr).not.toMatch(RAW);
      expect(forged(r.stdout) || forged(r.stderr)).toBe(false);
    }
    const [wide, nodes, status, describeBad, explain] = runs;
    expect(wide?.stdout).toContain(`note=${SHOWN}`);
    expect(nodes?.stdout).toContain(SHOWN.slice(0, 40));
    expect(status?.stdout).toContain(`node-b: error: ${SHOWN}`);
    expect(describeBad?.stdout).toContain(`INVALID:     spec.selector: `);
    expect(explain?.stdout).toContain('policy outside/bad is invalid (spec.selector: ');
    const json = await palisadectl(['get', 'ep', 'outside/hostile', '-o', 'json']);
    expect(json.stdout).not.toMatch(RAW);
    expect((JSON.parse(json.stdout) as { spec: { labels: { note: string } } }).spec.labels.note).toBe(HOSTILE);
    const yaml = await palisadectl(['get', 'ep', 'outside/hostile', '-o', 'yaml']);
    expect(yaml.stdout).not.toMatch(RAW);
    expect((parseAllDocuments(yaml.stdout)[0]?.toJS() as { spec: { labels: { note: string } } }).spec.labels.note).toBe(HOSTILE);
  });

  it('explain and describe show the containment the agents enforce', async () => {
    const [invalid, confined, describeEvil, spoof] = await Promise.all([
      palisadectl(['explain', '--from', 'shop/front', '--to', 'outside/client', '--port', '80']),
      palisadectl(['explain', '--from', 'outside/client', '--to', 'shop/mid', '--port', '80', '-o', 'json']),
      palisadectl(['describe', 'policy', 'outside/evil']),
      palisadectl(['explain', '--from', 'outside/spoof', '--to', 'shop/db', '--port', '6379']),
    ]);
    // outside/bad does not parse: the whole namespace is isolated, nothing allowed.
    expect(invalid.stdout).toMatch(/^BLOCKED: /);
    expect(invalid.stdout).toMatch(/ingress\s+outside\/client: isolated by policy outside\/bad; no rule allows; policy outside\/bad is invalid \(spec\.selector: .+\); the agents isolate every pod of namespace outside and allow nothing through it/);
    expect(invalid.stderr).toMatch(/warning: policy outside\/bad is invalid/);
    // outside/evil names shop but selects nothing there.
    expect((JSON.parse(confined.stdout) as { ingress: { policies?: string[] } }).ingress.policies).toEqual(['shop/allow-mid']);
    expect(describeEvil.stdout).toContain("Confined:    the selector does not restrict the namespace; the agents AND in pal:namespace == 'outside'");
    expect(describeEvil.stdout).toMatch(/Selected endpoints \(\d+, on \d+ nodes?\):/);
    expect(describeEvil.stdout).not.toMatch(/shop\/(front|mid|db)\s/);
    // An endpoint carrying a reserved label key is invalid, named with its field.
    expect(spoof.code).toBe(1);
    expect(spoof.stderr).toMatch(/pod outside\/spoof has an invalid endpoint value in etcd \(spec\.labels\.pal:namespace: is a reserved label key/);
  });
});
