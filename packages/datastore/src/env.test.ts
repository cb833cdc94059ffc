import { isPalisadeError } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEtcd3Options } from './client.js';
import { etcdOptionsFromEnv, parseEndpoints } from './env.js';

describe('buildEtcd3Options: password file', () => {
  it.each([
    ['secret\n', 'secret'],
    ['with space \n', 'with space '],
    ['no-newline', 'no-newline'],
  ])('%j → %j', (text, want) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pal-pw-'));
    try {
      const file = path.join(dir, 'password');
      writeFileSync(file, text);
      const opts = buildEtcd3Options({ endpoints: ['http://e:1'], username: 'u', passwordFile: file });
      expect(opts.auth).toEqual({ username: 'u', password: want });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file is an INVALID_INPUT naming it', () => {
    expect(() =>
      buildEtcd3Options({ endpoints: ['http://e:1'], username: 'u', passwordFile: '/nonexistent/pw' }),
    ).toThrow(/cannot read etcd password file \/nonexistent\/pw/);
  });
});

describe('etcdOptionsFromEnv', () => {
  it.each([
    ['nothing set', {}, {}],
    ['empty values are ignored', { PALISADE_ETCD_ENDPOINTS: ' ', PALISADE_ETCD_CA_FILE: '' }, {}],
    [
      'all variables',
      {
        PALISADE_ETCD_ENDPOINTS: 'https://10.0.0.1:2379, https://10.0.0.2:2379',
        PALISADE_ETCD_CA_FILE: '/etc/pal/ca.crt',
        PALISADE_ETCD_CERT_FILE: '/etc/pal/tls.crt',
        PALISADE_ETCD_KEY_FILE: '/etc/pal/tls.key',
        PALISADE_ETCD_USERNAME: 'palisade',
        PALISADE_ETCD_PASSWORD: ' pass word ',
        PALISADE_ETCD_PASSWORD_FILE: '/etc/pal/etcd/password',
        PALISADE_ETCD_REQUEST_TIMEOUT_MS: '2500',
      },
      {
        endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
        caFile: '/etc/pal/ca.crt',
        certFile: '/etc/pal/tls.crt',
        keyFile: '/etc/pal/tls.key',
        username: 'palisade',
        password: ' pass word ',
        passwordFile: '/etc/pal/etcd/password',
        requestTimeoutMs: 2500,
      },
    ],
  ])('%s', (_name, env, want) => {
    expect(etcdOptionsFromEnv(env)).toEqual(want);
  });

  it('rejects a bad timeout', () => {
    expect(() => etcdOptionsFromEnv({ PALISADE_ETCD_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(
      /positive integer/,
    );
  });
});

describe('parseEndpoints', () => {
  it.each([
    ['127.0.0.1:2379', ['http://127.0.0.1:2379']],
    ['http://a:1,https://b:2,', ['http://a:1', 'https://b:2']],
    ['http://[::1]:2379', ['http://[::1]:2379']],
  ])('%s', (list, want) => {
    expect(parseEndpoints(list)).toEqual(want);
  });

  it.each([['http://a'], ['http://a:1/path'], ['http://:x']])('rejects %s', (list) => {
    let err: unknown;
    try {
      parseEndpoints(list);
    } catch (e) {
      err = e;
    }
    expect(isPalisadeError(err, 'INVALID_INPUT')).toBe(true);
  });
});
