/**
 * Generates a throwaway CA, a server certificate for 127.0.0.1/localhost and a
 * client certificate with openssl, for TLS tests. Files go to a new temp dir.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function issue(dir: string, name: string, cn: string, ext: string): Promise<void> {
  await openssl(
    ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`],
    dir,
  );
  await openssl(
    ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`],
    dir,
  );
  await writeFile(path.join(dir, `${name}.ext`), ext);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

/** `clientCn` is the client certificate's common name (etcd maps it to a user when auth is on). */
export async function generateTestCerts(opts: { clientCn?: string } = {}): Promise<TestCerts> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pal-certs-'));
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=palisade-test-ca',
      '-days',
      '2',
      '-sha256',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  await issue(
    dir,
    'server',
    'etcd-test',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  await issue(
    dir,
    'client',
    opts.clientCn ?? 'palisade-client',
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  const f = (n: string): string => path.join(dir, n);
  return {
    dir,
    caFile: f('ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
