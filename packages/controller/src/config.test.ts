import { describe, expect, it } from 'vitest';
import { parseConfig, parseDuration } from './config.js';

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const cfg = parseConfig([], {});
    expect(cfg).toEqual({
      kubeconfig: null,
      etcd: { endpoints: ['http://127.0.0.1:2379'] },
      metricsPort: 9091,
      metricsHost: '0.0.0.0',
      logLevel: 'info',
      logFormat: undefined,
      resyncIntervalMs: 60_000,
      leaseTtlSeconds: 15,
      id: expect.stringMatching(/-\d+$/),
    });
  });

  it.each<[string, string[], Record<string, string>, Record<string, unknown>]>([
    ['kubeconfig flag', ['--kubeconfig', '/k'], {}, { kubeconfig: '/k' }],
    ['KUBECONFIG env', [], { KUBECONFIG: '/e' }, { kubeconfig: '/e' }],
    ['flag beats env', ['--kubeconfig', '/k'], { KUBECONFIG: '/e' }, { kubeconfig: '/k' }],
    ['etcd endpoints env', [], { PALISADE_ETCD_ENDPOINTS: 'a:1,https://b:2' }, { etcd: { endpoints: ['http://a:1', 'https://b:2'] } }],
    [
      'etcd TLS and auth',
      ['--etcd-ca-file', 'ca', '--etcd-cert-file', 'c', '--etcd-key-file', 'k', '--etcd-username', 'u'],
      { PALISADE_ETCD_PASSWORD: 'p w' },
      { etcd: { endpoints: ['http://127.0.0.1:2379'], caFile: 'ca', certFile: 'c', keyFile: 'k', username: 'u', password: 'p w' } },
    ],
    ['metrics port 0', ['--metrics-port', '0'], {}, { metricsPort: 0 }],
    ['metrics port env', [], { PALISADE_METRICS_PORT: '9999' }, { metricsPort: 9999 }],
    ['log level and format', ['--log-level', 'debug', '--log-format', 'text'], {}, { logLevel: 'debug', logFormat: 'text' }],
    ['resync interval with unit', ['--resync-interval', '500s'], {}, { resyncIntervalMs: 500_000 }],
    ['resync interval bare seconds', [], { PALISADE_RESYNC_INTERVAL: '30' }, { resyncIntervalMs: 30_000 }],
    ['lease ttl', ['--lease-ttl', '5s'], {}, { leaseTtlSeconds: 5 }],
    ['id', ['--id', 'ctl-a'], {}, { id: 'ctl-a' }],
    ['id env', [], { PALISADE_CONTROLLER_ID: 'ctl-b' }, { id: 'ctl-b' }],
  ])('%s', (_d, argv, env, expected) => {
    expect(parseConfig(argv, env)).toMatchObject(expected);
  });

  it.each([
    [['--metrics-port', '70000']],
    [['--log-level', 'loud']],
    [['--log-format', 'xml']],
    [['--lease-ttl', '1s']],
    [['--lease-ttl', '1500ms']],
    [['--resync-interval', '10ms']],
    [['--etcd-endpoints', 'http://a']],
    [['--unknown']],
  ])('rejects %j', (argv) => {
    expect(() => parseConfig(argv, {})).toThrow();
  });

  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['1m', 60_000],
    ['15', 15_000],
  ])('duration %s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
