/**
 * `palisadectl etcd-setup` as a real process against a real etcd: the first run
 * creates the identities and turns auth on and prints each change, never a password;
 * a second run as root changes nothing and says so; other users are refused with exit
 * code 6; palisadectl then reads with its own read-only identity.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '@palisade/datastore';
import { startEtcd, type TestEtcd } from '@palisade/datastore/testing';
import { seedShop } from './testing/seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const BIN = path.join(ROOT, 'packages/cli/src/bin.ts');

const PASSWORDS = {
  controller: 'ctl-Secret-1',
  agent: 'agent-Secret-2',
  cli: 'cli-Secret-3',
  root: 'root-Secret-4',
};

let etcd: TestEtcd;
let dir: string;
const file = (who: keyof typeof PASSWORDS): string => path.join(dir, `${who}.pw`);

function palisadectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['--conditions=palisade-source', BIN, '--etcd-endpoints', etcd.endpoints.join(','), ...args],
      { cwd: ROOT, env: { ...process.env, HOME: dir }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const setupArgs = (): string[] => [
  'etcd-setup',
  '--controller-password-file',
  file('controller'),
  '--agent-password-file',
  file('agent'),
  '--cli-password-file',
  file('cli'),
];
const asUser = (user: string, who: keyof typeof PASSWORDS): string[] => [
  '--etcd-username',
  user,
  '--etcd-password-file',
  file(who),
];

beforeAll(async () => {
  etcd = await startEtcd();
  dir = await mkdtemp(path.join(os.tmpdir(), 'pal-setup-'));
  for (const [who, pw] of Object.entries(PASSWORDS))
    await writeFile(path.join(dir, `${who}.pw`), `${pw}\n`);
  const seed = EtcdClient.connect({ endpoints: etcd.endpoints });
  await seedShop(seed);
  await seed.close();
}, 60_000);

afterAll(async () => {
  await etcd?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('palisadectl etcd-setup', () => {
  it('first run: creates roles and users, enables auth, prints every change and no password', async () => {
    const r = await palisadectl([
      ...setupArgs(),
      '--enable-auth',
      '--root-password-file',
      file('root'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'created role palisade-agent',
        'granted palisade-agent: read /palisade/v1/ (prefix)',
        'granted palisade-agent: write /palisade/v1/agent/ (prefix)',
        'granted palisade-controller: write /palisade/v1/controller/leader',
        'granted palisade-cli: read /palisade/ (prefix)',
        'created user palisade-cli',
        'granted role palisade-cli to user palisade-cli',
        'created user root',
        'enabled authentication',
      ]),
    );
    expect(lines.at(-1)).toBe('22 changes; authentication is on');
    for (const pw of Object.values(PASSWORDS)) expect(r.stdout + r.stderr).not.toContain(pw);
  });

  it('second run as root: nothing to change', async () => {
    const r = await palisadectl([...asUser('root', 'root'), ...setupArgs(), '--enable-auth']);
    expect(r).toEqual({
      code: 0,
      stdout: 'nothing to change: roles, users and authentication (on) already match\n',
      stderr: '',
    });
  });

  it('as any other user, or with no credentials: exit 6 and what to do', async () => {
    for (const creds of [asUser('palisade-controller', 'controller'), []]) {
      const r = await palisadectl([...creds, ...setupArgs()]);
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/setting up access needs its root user: pass --etcd-username root/);
    }
  });

  it('palisadectl reads with its own identity; a wrong password exits 6 naming the user', async () => {
    const ok = await palisadectl([...asUser('palisade-cli', 'cli'), 'get', 'policies', '-A']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^NAMESPACE\s+NAME/);
    const bad = await palisadectl([...asUser('palisade-cli', 'agent'), 'get', 'policies', '-A']);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toMatch(/etcd rejected the password of user "palisade-cli"/);
  });
});
