/** Connection options from the environment (PALISADE_ETCD_*); flags override these in each main. */
import { PalisadeError } from '@palisade/model';
import type { EtcdConnectionOptions } from './types.js';

export const ETCD_ENV = {
  endpoints: 'PALISADE_ETCD_ENDPOINTS',
  caFile: 'PALISADE_ETCD_CA_FILE',
  certFile: 'PALISADE_ETCD_CERT_FILE',
  keyFile: 'PALISADE_ETCD_KEY_FILE',
  username: 'PALISADE_ETCD_USERNAME',
  password: 'PALISADE_ETCD_PASSWORD',
  passwordFile: 'PALISADE_ETCD_PASSWORD_FILE',
  requestTimeoutMs: 'PALISADE_ETCD_REQUEST_TIMEOUT_MS',
} as const;

export const DEFAULT_ETCD_ENDPOINTS = ['http://127.0.0.1:2379'];

/** Only the variables that are set (and non-empty) appear in the result. */
export function etcdOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Partial<EtcdConnectionOptions> {
  const out: Partial<EtcdConnectionOptions> = {};
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const endpoints = get(ETCD_ENV.endpoints);
  if (endpoints) out.endpoints = parseEndpoints(endpoints);
  const files = ['caFile', 'certFile', 'keyFile', 'username', 'passwordFile'] as const;
  for (const f of files) {
    const v = get(ETCD_ENV[f]);
    if (v !== undefined) out[f] = v;
  }
  // A password may legitimately contain spaces: take it verbatim.
  const password = env[ETCD_ENV.password];
  if (password) out.password = password;
  const timeout = get(ETCD_ENV.requestTimeoutMs);
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (!Number.isInteger(n) || n <= 0)
      throw new PalisadeError(
        'INVALID_INPUT',
        `${ETCD_ENV.requestTimeoutMs} must be a positive integer`,
        {
          fields: { value: timeout },
        },
      );
    out.requestTimeoutMs = n;
  }
  return out;
}

/** "a:2379, https://b:2379" → ['http://a:2379', 'https://b:2379'] */
export function parseEndpoints(list: string): string[] {
  const endpoints = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^https?:\/\//.test(s) ? s : `http://${s}`));
  for (const e of endpoints) {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      throw new PalisadeError('INVALID_INPUT', `invalid etcd endpoint ${JSON.stringify(e)}`, {
        fields: { endpoint: e },
      });
    }
    if (!url.port || url.pathname.length > 1)
      throw new PalisadeError(
        'INVALID_INPUT',
        `etcd endpoint ${JSON.stringify(e)} must be scheme://host:port`,
        {
          fields: { endpoint: e },
        },
      );
  }
  return endpoints;
}

/** The etcd flags the daemons share (see addDaemonOptions in @palisade/common). */
export interface EtcdFlagValues {
  etcdEndpoints: string;
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  etcdUsername?: string;
  etcdPassword?: string;
  etcdPasswordFile?: string;
}

/** Connection options from parsed flags; throws PalisadeError('INVALID_INPUT') on bad endpoints. */
export function etcdOptionsFromFlags(o: EtcdFlagValues): EtcdConnectionOptions {
  const endpoints = parseEndpoints(o.etcdEndpoints);
  if (endpoints.length === 0) throw new PalisadeError('INVALID_INPUT', 'no etcd endpoints');
  const etcd: EtcdConnectionOptions = { endpoints };
  if (o.etcdCaFile) etcd.caFile = o.etcdCaFile;
  if (o.etcdCertFile) etcd.certFile = o.etcdCertFile;
  if (o.etcdKeyFile) etcd.keyFile = o.etcdKeyFile;
  if (o.etcdUsername) etcd.username = o.etcdUsername;
  if (o.etcdPassword) etcd.password = o.etcdPassword;
  if (o.etcdPasswordFile) etcd.passwordFile = o.etcdPasswordFile;
  return etcd;
}
