/**
 * The agent's configuration: flags, each with an environment-variable fallback and a
 * documented default (see docs/agent.md). Pure: argv and env in, AgentConfig out.
 * Precedence: flag, then environment variable, then default.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  etcdOptionsFromFlags,
  type EtcdConnectionOptions,
  type EtcdFlagValues,
} from '@palisade/datastore';
import {
  PalisadeError,
  type LogFormat,
  type LogLevel,
  parseArgvWithEnv,
  addDaemonOptions,
  durationArg,
  envOption,
  intArg,
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
  /** Where local state that must survive a restart lives ('' = nowhere). */
  stateDir: string;
  /** Delete the conntrack entries of connections a policy change revoked. */
  revokeConnections: boolean;
}

export const DEFAULTS = {
  etcdEndpoints: 'http://127.0.0.1:2379',
  metricsPort: 9092,
  // Loopback: the counters name every tenant's blocked connections, and any pod on a
  // host-network node could read them. The chart binds the node IP for scraping.
  metricsHost: '127.0.0.1',
  logLevel: 'info',
  ipv6: 'auto',
  iptablesBackend: 'auto',
  nflogGroup: 1,
  resyncInterval: '60s',
  applyDebounce: '20ms',
  statusTtl: 30,
  maxApplyFailures: 5,
  blockedLogPerSecond: 20,
  stateDir: '/var/lib/palisade',
} as const;

/** `250ms`, `2s`, `1m` → milliseconds; a bare number is seconds (as in every Palisade command). */
export const parseDuration = durationArg;

const opt = envOption;

/** The commander program (also prints --help). Parsing does not exit: errors throw. */
export function buildProgram(): Command {
  return addDaemonOptions(
    new Command('palisade-agent')
      .description(
        'Palisade node agent: programs iptables and ipsets from the policy model in etcd',
      )
      .addOption(opt('--node-name <name>', "this node's name (required)", 'NODE_NAME')),
    DEFAULTS,
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
      opt(
        '--state-dir <dir>',
        "directory for state that must survive restarts (local endpoints' last good values); '' disables",
        'PALISADE_STATE_DIR',
      ).default(DEFAULTS.stateDir),
    )
    .addOption(
      opt(
        '--revoke-connections [bool]',
        'cut established connections that a policy change no longer allows (deletes their conntrack entries; docs/agent.md): true|false',
        'PALISADE_REVOKE_CONNECTIONS',
      )
        .argParser(boolArg)
        .default(false),
    )
    .addOption(
      opt('--cleanup', 'remove every pal- chain, jump and ipset, then exit', 'PALISADE_CLEANUP'),
    )
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
}

interface RawOpts extends EtcdFlagValues {
  nodeName?: string;
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
  revokeConnections: boolean;
  stateDir: string;
}

/** Parses argv (without the node/script entries) and env into a config; throws PalisadeError on bad input. */
export function parseConfig(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): AgentConfig {
  const program = buildProgram();
  parseArgvWithEnv(program, argv, env);
  const o = program.opts<RawOpts>();
  const cleanup = boolFlag(o.cleanup);
  if (!o.nodeName)
    throw new PalisadeError('INVALID_INPUT', 'the node name is required: --node-name or NODE_NAME');
  if (!DNS_SUBDOMAIN.test(o.nodeName))
    throw new PalisadeError('INVALID_INPUT', `invalid node name ${JSON.stringify(o.nodeName)}`, {
      fields: { node: o.nodeName },
    });
  const etcd = etcdOptionsFromFlags(o);
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
    stateDir: o.stateDir,
    revokeConnections: o.revokeConnections,
  };
}

/** A boolean flag, or its environment variable: `true` or `1` turn it on. */
function boolFlag(v: boolean | string | undefined): boolean {
  return v === true || v === 'true' || v === '1';
}

/** commander argParser for `true|false|1|0` (a bare flag means true). */
function boolArg(text: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0' || text === '') return false;
  throw new InvalidArgumentError(`expected true or false, got ${JSON.stringify(text)}`);
}
