import { describe, expect, it } from 'vitest';
import { parseDuration, resolveConfig } from './config.js';
import type { GlobalFlags } from './config.js';

const HOME = '/home/op';
const DEFAULT_FILE = '/home/op/.palisade/config.yaml';

function resolve(flags: GlobalFlags, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return resolveConfig(flags, { env, homeDir: HOME, readFile: (f) => files[f] ?? null });
}

describe('resolveConfig', () => {
  const file = `etcd:\n  endpoints: [https://file:2379]\n  caFile: /file/ca.pem\n  username: fileuser\n`;

  it.each<{ name: string; flags: GlobalFlags; env: Record<string, string>; files: Record<string, string>; endpoints: string[] }>([
    { name: 'default', flags: {}, env: {}, files: {}, endpoints: ['http://127.0.0.1:2379'] },
    { name: 'file', flags: {}, env: {}, files: { [DEFAULT_FILE]: file }, endpoints: ['https://file:2379'] },
    { name: 'env over file', flags: {}, env: { PALISADE_ETCD_ENDPOINTS: 'http://env:1,http://env:2' }, files: { [DEFAULT_FILE]: file }, endpoints: ['http://env:1', 'http://env:2'] },
    { name: 'flag over env', flags: { etcdEndpoints: 'http://flag:1' }, env: { PALISADE_ETCD_ENDPOINTS: 'http://env:1' }, files: { [DEFAULT_FILE]: file }, endpoints: ['http://flag:1'] },
    { name: '$PALISADE_CONFIG names the file', flags: {}, env: { PALISADE_CONFIG: '/etc/p.yaml' }, files: { '/etc/p.yaml': 'etcd:\n  endpoints: http://other:2379\n' }, endpoints: ['http://other:2379'] },
    { name: '--config over $PALISADE_CONFIG', flags: { config: '/a.yaml' }, env: { PALISADE_CONFIG: '/etc/p.yaml' }, files: { '/a.yaml': 'etcd: {endpoints: "http://a:1"}' }, endpoints: ['http://a:1'] },
  ])('endpoints: $name', ({ flags, env, files, endpoints }) => {
    expect(resolve(flags, env, files).etcd.endpoints).toEqual(endpoints);
  });

  it('accepts host:port like the other components', () => {
    expect(resolve({ etcdEndpoints: '10.0.0.5:2379, https://b:2379' }).etcd.endpoints).toEqual(['http://10.0.0.5:2379', 'https://b:2379']);
  });

  it('resolves each setting on its own', () => {
    const c = resolve({ etcdUsername: 'flaguser' }, { PALISADE_ETCD_CA_FILE: '/env/ca.pem', PALISADE_ETCD_PASSWORD: 'pw' }, { [DEFAULT_FILE]: file });
    expect(c.etcd).toEqual({ endpoints: ['https://file:2379'], caFile: '/env/ca.pem', username: 'flaguser', password: 'pw' });
    expect(c.configFile).toBe(DEFAULT_FILE);
  });

  it('parses --request-timeout', () => {
    expect(resolve({ requestTimeout: '2s' }).etcd.requestTimeoutMs).toBe(2000);
    expect(resolve({}, { PALISADE_ETCD_REQUEST_TIMEOUT_MS: '1500' }).etcd.requestTimeoutMs).toBe(1500);
    expect(resolve({}).etcd.requestTimeoutMs).toBeUndefined();
  });

  it.each([
    [{ config: '/missing.yaml' }, {}, /config file \/missing.yaml not found/],
    [{}, { [DEFAULT_FILE]: 'etcd:\n  endpoint: x\n' }, /unknown key "etcd.endpoint"/],
    [{}, { [DEFAULT_FILE]: 'etcdd: {}\n' }, /unknown key "etcdd"/],
    [{}, { [DEFAULT_FILE]: 'etcd: [1]\n' }, /"etcd" must be a mapping/],
    [{}, { [DEFAULT_FILE]: 'etcd: {caFile: 3}\n' }, /"etcd.caFile" must be a string/],
    [{}, { [DEFAULT_FILE]: 'etcd: {: :\n' }, /config file/],
    [{ etcdEndpoints: 'http://x' }, {}, /--etcd-endpoints: etcd endpoint "http:\/\/x" must be scheme:\/\/host:port/],
    [{ etcdEndpoints: ',' }, {}, /no etcd endpoints/],
  ])('rejects %j %j', (flags, files, message) => {
    expect(() => resolve(flags, {}, files)).toThrow(message);
  });

  it('a missing default config file is fine', () => {
    expect(resolve({}).configFile).toBeNull();
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['2', 2000],
    ['1.5s', 1500],
    ['2m', 120_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text, 'x')).toBe(ms));
  it('rejects junk', () => expect(() => parseDuration('5h', '--timeout')).toThrow(/--timeout: invalid duration/));
});
