/**
 * Command-line options shared by the long-running components (controller, agent):
 * etcd connection, metrics server and logging, each with its environment variable.
 * One definition keeps flags, env names and help text identical across daemons.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDurationMs } from './duration.js';

/** An option that falls back to an environment variable. */
export function envOption(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env);
}

/** commander argParser for an integer within [min, max]. */
export function intArg(min: number, max: number): (text: string) => number {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
      );
    return n;
  };
}

/** commander argParser for a duration (`500ms`, `2s`, `1m`; bare numbers are seconds) → ms. */
export function durationArg(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null)
    throw new InvalidArgumentError(
      `expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(text)}`,
    );
  return ms;
}

export interface DaemonOptionDefaults {
  etcdEndpoints: string;
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
}

/** Adds --etcd-*, --metrics-port/--metrics-host and --log-level/--log-format. */
export function addDaemonOptions(cmd: Command, defaults: DaemonOptionDefaults): Command {
  return cmd
    .addOption(
      envOption(
        '--etcd-endpoints <urls>',
        'comma-separated etcd URLs',
        'PALISADE_ETCD_ENDPOINTS',
      ).default(defaults.etcdEndpoints),
    )
    .addOption(
      envOption('--etcd-ca-file <file>', 'CA bundle for etcd TLS', 'PALISADE_ETCD_CA_FILE'),
    )
    .addOption(
      envOption(
        '--etcd-cert-file <file>',
        'client certificate for etcd',
        'PALISADE_ETCD_CERT_FILE',
      ),
    )
    .addOption(envOption('--etcd-key-file <file>', 'client key for etcd', 'PALISADE_ETCD_KEY_FILE'))
    .addOption(envOption('--etcd-username <user>', 'etcd user', 'PALISADE_ETCD_USERNAME'))
    .addOption(
      envOption(
        '--etcd-password <password>',
        'etcd password (prefer --etcd-password-file: flags show in ps)',
        'PALISADE_ETCD_PASSWORD',
      ),
    )
    .addOption(
      envOption(
        '--etcd-password-file <file>',
        'file holding the etcd password, e.g. a mounted Secret',
        'PALISADE_ETCD_PASSWORD_FILE',
      ),
    )
    .addOption(
      envOption(
        '--metrics-port <port>',
        '/metrics, /livez, /readyz port (0 = any free port, logged)',
        'PALISADE_METRICS_PORT',
      )
        .argParser(intArg(0, 65535))
        .default(defaults.metricsPort),
    )
    .addOption(
      envOption(
        '--metrics-host <addr>',
        'address the metrics server listens on',
        'PALISADE_METRICS_HOST',
      ).default(defaults.metricsHost),
    )
    .addOption(
      envOption('--log-level <level>', 'error|warn|info|debug', 'PALISADE_LOG_LEVEL')
        .choices(['error', 'warn', 'info', 'debug'])
        .default(defaults.logLevel),
    )
    .addOption(
      envOption(
        '--log-format <format>',
        'json|text (default: text on a terminal, else json)',
        'PALISADE_LOG_FORMAT',
      ).choices(['json', 'text']),
    );
}
