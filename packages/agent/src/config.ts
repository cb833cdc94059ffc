/**
 * The agent's configuration: flags, each with an environment-variable fallback and a
 * documented default (see docs/agent.md). Pure: argv and env in, AgentConfig out.
 * Precedence: flag, then environment variable, then default.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { EtcdConnectionOptions } from '@palisade/datastore';
import {
  PalisadeError,
  type LogFormat,
  type LogLevel,
  parseArgvWithEnv,
  parseDurationMs,
} from '@palisade/common';
import { DNS_SUBDOMAIN } from '@palisade/model';

export type IptablesBackend = 'auto' | 'nft' | 'legacy';

export interface AgentConfig {
  nodeName: string;
  etcd: EtcdConnectionOptions;
  metricsPort: number;
  metricsHost: string;
  logLevel: LogLevel;
  logFormat: LogFormat | undefined;
  /** null: auto-detect (enabled when ip6tables works). */
  ipv6: boolean | null;
  iptablesBackend: IptablesBackend;
  nflogGroup: number;
  resyncIntervalMs: number;
  applyDebounceMs: number;
  statusTtlSeconds: number;
  maxApplyFailures: number;
  blockedLogPerSecond: number;
  cleanup: boolean;
}

export const DEFAULTS = {
  etcdEndpoints: 'http://127.0.0.1:2379',
  metricsPort: 9092,
  metricsHost: '0.0.0.0',
  logLevel: 'info',
  ipv6: 'auto',
  iptablesBackend: 'auto',
  nflogGroup: 1,
  resyncInterval: '60s',
  applyDebounce: '20ms',
  statusTtl: 30,
  maxApplyFailures: 5,
  blockedLogPerSecond: 20,
} as const;

/** `250ms`, `2s`, `1m` → milliseconds; a bare number is seconds (as in every Palisade command). */
export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null)
    throw new InvalidArgumentError(
      `expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(text)}`,
    );
  return ms;
}

function intArg(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
      );
    return n;
  };
}

function opt(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env);
}

/** The commander program (also prints --help). Parsing does not exit: errors throw. */
export function buildProgram(): Command {
  return new Command('palisade-agent')
    .description('Palisade node agent: programs iptables and ipsets from the policy model in etcd')
    .addOption(opt('--node-name <name>', "this node's name (required)", 'NODE_NAME'))
    .addOption(
      opt(
        '--etcd-endpoints <urls>',
        'comma-separated etcd URLs',
        'PALISADE_ETCD_ENDPOINTS',
      ).default(DEFAULTS.etcdEndpoints),
    )
    .addOption(opt('--etcd-ca-file <file>', 'CA bundle for etcd TLS', 'PALISADE_ETCD_CA_FILE'))
    .addOption(
      opt('--etcd-cert-file <file>', 'client certificate for etcd', 'PALISADE_ETCD_CERT_FILE'),
    )
    .addOption(opt('--etcd-key-file <file>', 'client key for etcd', 'PALISADE_ETCD_KEY_FILE'))
    .addOption(opt('--etcd-username <user>', 'etcd user', 'PALISADE_ETCD_USERNAME'))
    .addOption(opt('--etcd-password <password>', 'etcd password', 'PALISADE_ETCD_PASSWORD'))
    .addOption(
      opt(
        '--metrics-port <port>',
        '/metrics, /livez, /readyz port (0 = any free port)',
        'PALISADE_METRICS_PORT',
      )
        .argParser(intArg(0, 65535))
        .default(DEFAULTS.metricsPort),
    )
    .addOption(
      opt(
        '--metrics-host <addr>',
        'address the metrics server listens on',
        'PALISADE_METRICS_HOST',
      ).default(DEFAULTS.metricsHost),
    )
    .addOption(
      opt('--log-level <level>', 'error|warn|info|debug', 'PALISADE_LOG_LEVEL')
        .choices(['error', 'warn', 'info', 'debug'])
        .default(DEFAULTS.logLevel),
    )
    .addOption(
      opt(
        '--log-format <format>',
        'json|text (default: text on a terminal, else json)',
        'PALISADE_LOG_FORMAT',
      ).choices(['json', 'text']),
    )
    .addOption(
      opt(
        '--ipv6 <mode>',
        'program IPv6 too: auto (when ip6tables works)|true|false',
        'PALISADE_IPV6',
      )
        .choices(['auto', 'true', 'false'])
        .default(DEFAULTS.ipv6),
    )
    .addOption(
      opt('--iptables-backend <backend>', 'auto|nft|legacy', 'PALISADE_IPTABLES_BACKEND')
        .choices(['auto', 'nft', 'legacy'])
        .default(DEFAULTS.iptablesBackend),
    )
    .addOption(
      opt(
        '--nflog-group <n>',
        'NFLOG group of the blocked-connection log rule',
        'PALISADE_NFLOG_GROUP',
      )
        .argParser(intArg(0, 65535))
        .default(DEFAULTS.nflogGroup),
    )
    .addOption(
      opt(
        '--resync-interval <duration>',
        'full dataplane resync period (repairs drift)',
        'PALISADE_RESYNC_INTERVAL',
      )
        .argParser(parseDuration)
        .default(parseDuration(DEFAULTS.resyncInterval), DEFAULTS.resyncInterval),
    )
    .addOption(
      opt(
        '--apply-debounce <duration>',
        'coalescing delay between a change and its apply',
        'PALISADE_APPLY_DEBOUNCE',
      )
        .argParser(parseDuration)
        .default(parseDuration(DEFAULTS.applyDebounce), DEFAULTS.applyDebounce),
    )
    .addOption(
      opt('--status-ttl <seconds>', "TTL of the status key's lease", 'PALISADE_STATUS_TTL')
        .argParser(intArg(2, 3600))
        .default(DEFAULTS.statusTtl),
    )
    .addOption(
      opt(
        '--max-apply-failures <n>',
        'consecutive failed applies before exiting non-zero',
        'PALISADE_MAX_APPLY_FAILURES',
      )
        .argParser(intArg(1, 1000))
        .default(DEFAULTS.maxApplyFailures),
    )
    .addOption(
      opt(
        '--blocked-log-rate <n>',
        'max blocked-connection log lines per second',
        'PALISADE_BLOCKED_LOG_RATE',
      )
        .argParser(intArg(0, 100_000))
        .default(DEFAULTS.blockedLogPerSecond),
    )
    .addOption(
      opt('--cleanup', 'remove every pal- chain, jump and ipset, then exit', 'PALISADE_CLEANUP'),
    )
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
}

interface RawOpts {
  nodeName?: string;
  etcdEndpoints: string;
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  etcdUsername?: string;
  etcdPassword?: string;
  metricsPort: number;
  metricsHost: string;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  ipv6: 'auto' | 'true' | 'false';
  iptablesBackend: IptablesBackend;
  nflogGroup: number;
  resyncInterval: number;
  applyDebounce: number;
  statusTtl: number;
  maxApplyFailures: number;
  blockedLogRate: number;
  cleanup?: boolean | string;
}

/** Parses argv (without the node/script entries) and env into a config; throws PalisadeError on bad input. */
export function parseConfig(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): AgentConfig {
  const program = buildProgram();
  parseArgvWithEnv(program, argv, env);
  const o = program.opts<RawOpts>();
  const cleanup = o.cleanup === true || o.cleanup === 'true' || o.cleanup === '1';
  if (!o.nodeName)
    throw new PalisadeError('INVALID_INPUT', 'the node name is required: --node-name or NODE_NAME');
  if (!DNS_SUBDOMAIN.test(o.nodeName))
    throw new PalisadeError('INVALID_INPUT', `invalid node name ${JSON.stringify(o.nodeName)}`, {
      fields: { node: o.nodeName },
    });
  const endpoints = o.etcdEndpoints
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (endpoints.length === 0) throw new PalisadeError('INVALID_INPUT', 'no etcd endpoints');
  const etcd: EtcdConnectionOptions = { endpoints };
  if (o.etcdCaFile) etcd.caFile = o.etcdCaFile;
  if (o.etcdCertFile) etcd.certFile = o.etcdCertFile;
  if (o.etcdKeyFile) etcd.keyFile = o.etcdKeyFile;
  if (o.etcdUsername) etcd.username = o.etcdUsername;
  if (o.etcdPassword) etcd.password = o.etcdPassword;
  return {
    nodeName: o.nodeName,
    etcd,
    metricsPort: o.metricsPort,
    metricsHost: o.metricsHost,
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    ipv6: o.ipv6 === 'auto' ? null : o.ipv6 === 'true',
    iptablesBackend: o.iptablesBackend,
    nflogGroup: o.nflogGroup,
    resyncIntervalMs: o.resyncInterval,
    applyDebounceMs: o.applyDebounce,
    statusTtlSeconds: o.statusTtl,
    maxApplyFailures: o.maxApplyFailures,
    blockedLogPerSecond: o.blockedLogRate,
    cleanup,
  };
}
