/**
 * Where palisadectl finds etcd. Each setting is resolved on its own, first match wins:
 *   1. a flag (--etcd-endpoints, …)
 *   2. an environment variable (PALISADE_ETCD_ENDPOINTS, …)
 *   3. the config file (--config, else $PALISADE_CONFIG, else ~/.palisade/config.yaml)
 *   4. the default (endpoint http://127.0.0.1:2379, no TLS, no auth)
 * A missing default config file is fine; a missing file that was named explicitly is not.
 */
import { parseDurationMs } from '@palisade/common';
import path from 'node:path';
import { PalisadeError, errorMessage } from '@palisade/model';
import { DEFAULT_ETCD_ENDPOINTS, ETCD_ENV, parseEndpoints } from '@palisade/datastore';
import type { EtcdConnectionOptions } from '@palisade/datastore';
import { parse as parseYaml } from 'yaml';

export const DEFAULT_ENDPOINT = DEFAULT_ETCD_ENDPOINTS[0] ?? 'http://127.0.0.1:2379';

/** Setting → flag, env var and config-file key (under `etcd:`). */
export const SETTINGS = {
  endpoints: { flag: 'etcdEndpoints', env: ETCD_ENV.endpoints, file: 'endpoints' },
  caFile: { flag: 'etcdCaFile', env: ETCD_ENV.caFile, file: 'caFile' },
  certFile: { flag: 'etcdCertFile', env: ETCD_ENV.certFile, file: 'certFile' },
  keyFile: { flag: 'etcdKeyFile', env: ETCD_ENV.keyFile, file: 'keyFile' },
  username: { flag: 'etcdUsername', env: ETCD_ENV.username, file: 'username' },
  password: { flag: 'etcdPassword', env: ETCD_ENV.password, file: 'password' },
  passwordFile: { flag: 'etcdPasswordFile', env: ETCD_ENV.passwordFile, file: 'passwordFile' },
} as const;
type Setting = keyof typeof SETTINGS;

export interface GlobalFlags {
  config?: string;
  etcdEndpoints?: string;
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  etcdUsername?: string;
  etcdPassword?: string;
  etcdPasswordFile?: string;
  requestTimeout?: string;
}

export interface ConfigEnv {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Returns null when the file does not exist. */
  readFile(file: string): string | null;
}

type FileConfig = Partial<Record<Setting, string>>;

function usage(message: string, fields: Record<string, unknown> = {}): PalisadeError {
  return new PalisadeError('INVALID_INPUT', message, { fields });
}

/** Parses the YAML config file: `etcd: {endpoints, caFile, certFile, keyFile, username, password, passwordFile}`. */
export function parseConfigFile(text: string, file: string): FileConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw usage(`config file ${file}: ${errorMessage(err)}`, { file });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw usage(`config file ${file}: expected a mapping`, { file });
  const top = doc as Record<string, unknown>;
  for (const k of Object.keys(top))
    if (k !== 'etcd')
      throw usage(`config file ${file}: unknown key ${JSON.stringify(k)} (expected "etcd")`, {
        file,
      });
  const etcd = top.etcd ?? {};
  if (typeof etcd !== 'object' || etcd === null || Array.isArray(etcd))
    throw usage(`config file ${file}: "etcd" must be a mapping`, { file });
  const out: FileConfig = {};
  const fileKeys = new Map(
    Object.entries(SETTINGS).map(([s, v]) => [v.file as string, s as Setting]),
  );
  for (const [k, v] of Object.entries(etcd as Record<string, unknown>)) {
    const setting = fileKeys.get(k);
    if (!setting) throw usage(`config file ${file}: unknown key "etcd.${k}"`, { file });
    if (setting === 'endpoints' && Array.isArray(v) && v.every((e) => typeof e === 'string'))
      out.endpoints = v.join(',');
    else if (typeof v === 'string') out[setting] = v;
    else
      throw usage(
        `config file ${file}: "etcd.${k}" must be a string${setting === 'endpoints' ? ' or a list of strings' : ''}`,
        { file },
      );
  }
  return out;
}

/** The same syntax the controller and agents accept (`host:port` means http). */
function splitEndpoints(text: string, source: string): string[] {
  let list: string[];
  try {
    list = parseEndpoints(text);
  } catch (err) {
    throw usage(`${source}: ${errorMessage(err)}`);
  }
  if (list.length === 0) throw usage(`${source}: no etcd endpoints given`);
  return list;
}

function parseDuration(text: string, what: string): number {
  const ms = parseDurationMs(text);
  if (ms === null)
    throw usage(`${what}: invalid duration ${JSON.stringify(text)} (e.g. 500ms, 5s, 1m)`);
  return ms;
}
export { parseDuration };

export interface ResolvedConfig {
  etcd: EtcdConnectionOptions;
  /** Which config file was read, if any. */
  configFile: string | null;
}

export function resolveConfig(flags: GlobalFlags, ctx: ConfigEnv): ResolvedConfig {
  const explicit = flags.config ?? ctx.env.PALISADE_CONFIG;
  const file = explicit ?? path.join(ctx.homeDir, '.palisade', 'config.yaml');
  const text = ctx.readFile(file);
  if (text === null && explicit !== undefined)
    throw usage(`config file ${explicit} not found`, { file: explicit });
  const fromFile = text === null ? {} : parseConfigFile(text, file);

  const pick = (s: Setting): { value: string; source: string } | undefined => {
    const def = SETTINGS[s];
    const flag = flags[def.flag];
    if (flag !== undefined)
      return {
        value: flag,
        source: `--${def.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      };
    const env = ctx.env[def.env];
    if (env !== undefined && env !== '') return { value: env, source: `$${def.env}` };
    const f = fromFile[s];
    return f === undefined ? undefined : { value: f, source: `${file} etcd.${def.file}` };
  };
  const ep = pick('endpoints');
  const etcd: EtcdConnectionOptions = {
    endpoints: ep ? splitEndpoints(ep.value, ep.source) : [DEFAULT_ENDPOINT],
  };
  for (const s of [
    'caFile',
    'certFile',
    'keyFile',
    'username',
    'password',
    'passwordFile',
  ] as const) {
    const v = pick(s);
    if (v !== undefined) etcd[s] = v.value;
  }
  const envTimeout = ctx.env[ETCD_ENV.requestTimeoutMs];
  if (flags.requestTimeout !== undefined)
    etcd.requestTimeoutMs = parseDuration(flags.requestTimeout, '--request-timeout');
  else if (envTimeout !== undefined && envTimeout !== '')
    etcd.requestTimeoutMs = parseDuration(`${envTimeout}ms`, `$${ETCD_ENV.requestTimeoutMs}`);
  return { etcd, configFile: text === null ? null : file };
}
