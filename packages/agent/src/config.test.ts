import { describe, expect, it } from 'vitest';
import { parseConfig, parseDuration } from './config.js';

describe('parseConfig', () => {
  it('applies documented defaults', () => {
    expect(parseConfig(['--node-name', 'node-a'], {})).toEqual({
      nodeName: 'node-a',
      etcd: { endpoints: ['http://127.0.0.1:2379'] },
      metricsPort: 9092,
      metricsHost: '127.0.0.1',
      logLevel: 'info',
      logFormat: undefined,
      ipv6: null,
      iptablesBackend: 'auto',
      nflogGroup: 1,
      resyncIntervalMs: 60_000,
      applyDebounceMs: 20,
      statusTtlSeconds: 30,
      maxApplyFailures: 5,
      blockedLogPerSecond: 20,
      cleanup: false,
      stateDir: '/var/lib/palisade',
      revokeConnections: false,
    });
  });

  it('reads environment fallbacks, and flags win over them', () => {
    const env = {
      NODE_NAME: 'from-env',
      PALISADE_ETCD_ENDPOINTS: 'http://a:1, http://b:2',
      PALISADE_METRICS_PORT: '0',
      PALISADE_IPV6: 'false',
      PALISADE_RESYNC_INTERVAL: '2s',
    };
    const cfg = parseConfig(
      ['--metrics-port', '1234', '--etcd-ca-file', '/ca.pem', '--cleanup'],
      env,
    );
    expect(cfg).toMatchObject({
      nodeName: 'from-env',
      etcd: { endpoints: ['http://a:1', 'http://b:2'], caFile: '/ca.pem' },
      metricsPort: 1234,
      ipv6: false,
      resyncIntervalMs: 2000,
      cleanup: true,
    });
    expect(parseConfig(['--node-name', 'flag'], env).nodeName).toBe('flag');
  });

  it.each([
    [['--revoke-connections'], {}, true],
    [[], { PALISADE_REVOKE_CONNECTIONS: 'true' }, true],
    [[], { PALISADE_REVOKE_CONNECTIONS: '1' }, true],
    [[], { PALISADE_REVOKE_CONNECTIONS: 'false' }, false],
    [['--revoke-connections', 'false'], { PALISADE_REVOKE_CONNECTIONS: 'true' }, false],
    [[], {}, false],
  ])('--revoke-connections %j %j → %s', (argv, env, want) => {
    expect(parseConfig(['--node-name', 'n', ...argv], env).revokeConnections).toBe(want);
  });

  it.each([
    [[], /node name is required/],
    [['--node-name', 'Bad_Name'], /invalid node name/],
    [['--node-name', 'n', '--metrics-port', '70000'], /integer from 0 to 65535/],
    [['--node-name', 'n', '--log-level', 'loud'], /Allowed choices/],
    [['--node-name', 'n', '--apply-debounce', 'soon'], /duration/],
    [['--node-name', 'n', '--bogus'], /unknown option/],
    [['--node-name', 'n', '--revoke-connections', 'maybe'], /true or false/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['250', 250_000],
    ['20ms', 20],
    ['1.5s', 1500],
    ['2m', 120_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
