/**
 * The controller's configuration: flags, each with an environment-variable fallback
 * and a documented default (docs/controller.md). Pure: argv and env in, config out.
 * Precedence: flag, then environment variable, then default.
 */
import os from 'node:os';
import { Command } from 'commander';
import {
  PalisadeError,
  type LogFormat,
  type LogLevel,
  parseArgvWithEnv,
  addDaemonOptions,
  durationArg,
  envOption,
} from '@palisade/common';
import {
  etcdOptionsFromFlags,
  type EtcdConnectionOptions,
  type EtcdFlagValues,
} from '@palisade/datastore';

export interface ControllerConfig {
  /** null: in-cluster config when in a pod, else the default kubeconfig chain. */
  kubeconfig: string | null;
  etcd: EtcdConnectionOptions;
  metricsPort: number;
  metricsHost: string;
  logLevel: LogLevel;
  logFormat: LogFormat | undefined;
  resyncIntervalMs: number;
  leaseTtlSeconds: number;
  id: string;
}

export const DEFAULTS = {
  etcdEndpoints: 'http://127.0.0.1:2379',
  metricsPort: 9091,
  metricsHost: '0.0.0.0',
  logLevel: 'info',
  resyncInterval: '60s',
  leaseTtl: '15s',
} as const;

/** `250ms`, `2s`, `1m` → milliseconds; a bare number is seconds (as in every Palisade command). */
export const parseDuration = durationArg;

const opt = envOption;

export function defaultId(): string {
  return `${os.hostname()}-${process.pid}`;
}

/** The commander program (also prints --help). Parsing does not exit: errors throw. */
export function buildProgram(): Command {
  return addDaemonOptions(
    new Command('palisade-controller')
      .description(
        'Palisade policy controller: translates NetworkPolicies, Pods and Namespaces into the model in etcd',
      )
      .addOption(
        opt(
          '--kubeconfig <file>',
          'kubeconfig file (default: in-cluster config, else ~/.kube/config)',
          'KUBECONFIG',
        ),
      ),
    DEFAULTS,
  )
    .addOption(
      opt(
        '--resync-interval <duration>',
        'period of the full reconcile against etcd (and of the check for a ClusterNetworkPolicy API that is not served)',
        'PALISADE_RESYNC_INTERVAL',
      )
        .argParser(parseDuration)
        .default(parseDuration(DEFAULTS.resyncInterval), DEFAULTS.resyncInterval),
    )
    .addOption(
      opt(
        '--lease-ttl <duration>',
        'leader lease TTL: a standby takes over within about this long',
        'PALISADE_LEASE_TTL',
      )
        .argParser(parseDuration)
        .default(parseDuration(DEFAULTS.leaseTtl), DEFAULTS.leaseTtl),
    )
    .addOption(
      opt(
        '--id <id>',
        "this controller's identity in leader election (default: <hostname>-<pid>)",
        'PALISADE_CONTROLLER_ID',
      ),
    )
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
}

interface RawOpts extends EtcdFlagValues {
  kubeconfig?: string;
  metricsPort: number;
  metricsHost: string;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  resyncInterval: number;
  leaseTtl: number;
  id?: string;
}

/** Parses argv (without node/script) and env; throws PalisadeError('INVALID_INPUT'). */
export function parseConfig(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): ControllerConfig {
  const program = buildProgram();
  parseArgvWithEnv(program, argv, env);
  const o = program.opts<RawOpts>();
  const etcd = etcdOptionsFromFlags(o);
  if (o.resyncInterval < 1000)
    throw new PalisadeError('INVALID_INPUT', '--resync-interval must be at least 1s');
  if (o.leaseTtl < 2000 || o.leaseTtl % 1000 !== 0)
    throw new PalisadeError(
      'INVALID_INPUT',
      '--lease-ttl must be a whole number of seconds, at least 2s',
    );
  return {
    kubeconfig: o.kubeconfig ? o.kubeconfig : null,
    etcd,
    metricsPort: o.metricsPort,
    metricsHost: o.metricsHost,
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    resyncIntervalMs: o.resyncInterval,
    leaseTtlSeconds: o.leaseTtl / 1000,
    id: o.id ? o.id : defaultId(),
  };
}
