/**
 * EtcdClient: typed access to etcd. Every value is JSON validated with a zod schema on
 * write and on read; writes can be compare-and-swap on the key's mod revision.
 * Errors leave this module as PalisadeError (UNAVAILABLE names the endpoints).
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { silentLogger, type Logger } from '@palisade/common';
import { PalisadeError, ROOT_PREFIX } from '@palisade/model';
import { ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IKeyValue, type IOptions } from 'etcd3';
import { decodeValue, describeZodError, wrapEtcdError } from './errors.js';
import { KeptLease, type LeaseHandle } from './lease.js';
import type {
  EtcdConnectionOptions,
  ListResult,
  PutOptions,
  Revision,
  Schema,
  StoredValue,
  SyncUpdate,
  WriteResult,
} from './types.js';

export type { LeaseHandle } from './lease.js';

const DEFAULT_TIMEOUT_MS = 5000;

/** Keys per list page: ~1,000 endpoints are well under gRPC's 4 MiB message limit. */
const LIST_PAGE_SIZE = 1000;

function readPem(file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new PalisadeError('INVALID_INPUT', `cannot read etcd ${what} file ${file}`, {
      cause: err,
      fields: { file },
    });
  }
}

function resolvePassword(opts: EtcdConnectionOptions): string {
  if (opts.password !== undefined) return opts.password;
  if (opts.passwordFile === undefined) return '';
  try {
    return readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new PalisadeError(
      'INVALID_INPUT',
      `cannot read etcd password file ${opts.passwordFile}`,
      {
        cause: err,
        fields: { file: opts.passwordFile },
      },
    );
  }
}

/** Builds etcd3 options; exported for unit tests. */
export function buildEtcd3Options(opts: EtcdConnectionOptions): IOptions {
  if (opts.endpoints.length === 0)
    throw new PalisadeError('INVALID_INPUT', 'no etcd endpoints given');
  const timeout = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const secure = opts.endpoints.some((e) => e.startsWith('https://')) || opts.caFile !== undefined;
  const ca = readPem(opts.caFile, 'CA');
  const key = readPem(opts.keyFile, 'key');
  const cert = readPem(opts.certFile, 'certificate');
  if ((key === undefined) !== (cert === undefined))
    throw new PalisadeError(
      'INVALID_INPUT',
      'etcd client certificate and key must be given together',
    );
  const options: IOptions = {
    hosts: opts.endpoints,
    dialTimeout: timeout,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: new Date(Date.now() + timeout) }),
    grpcOptions: {
      // Detect silently dead connections (no FIN/RST), e.g. a partitioned network.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      // etcd's server policy rejects pings on a connection without open streams
      // (PermitWithoutStream=false) and answers GOAWAY "too_many_pings"; idle clients
      // rely on per-call deadlines instead, and watches/lease keepalives are streams.
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2_000,
    },
    faultHandling: {
      // etcd3's default opens the circuit for 5 s after 3 failures, which delays
      // recovery after an etcd restart; callers here retry with their own backoff.
      host: () =>
        circuitBreaker(
          handleWhen((e) => isRecoverableError(e)),
          {
            halfOpenAfter: 300,
            breaker: new ConsecutiveBreaker(5),
          },
        ),
    },
  };
  if (secure) {
    options.credentials = {
      rootCertificate: ca ?? Buffer.from(tls.rootCertificates.join('\n')),
      ...(key ? { privateKey: key } : {}),
      ...(cert ? { certChain: cert } : {}),
    };
  }
  if (opts.username !== undefined) {
    options.auth = { username: opts.username, password: resolvePassword(opts) };
  }
  return options;
}

function toStored<T>(kv: IKeyValue, schema: Schema<T>): StoredValue<T> {
  const key = kv.key.toString();
  return {
    key,
    value: decodeValue(key, kv.value.toString(), schema),
    modRevision: kv.mod_revision,
    createRevision: kv.create_revision,
  };
}

export class EtcdClient {
  readonly endpoints: string[];
  /** The etcd user this client authenticates as (undefined: no credentials). */
  readonly username: string | undefined;
  readonly raw: Etcd3;
  private readonly logger: Logger;
  private readonly leases = new Set<KeptLease>();

  private constructor(raw: Etcd3, opts: EtcdConnectionOptions, logger: Logger) {
    this.raw = raw;
    this.username = opts.username;
    this.endpoints = [...opts.endpoints];
    this.logger = logger;
  }

  /** Creates the client; connections are made lazily, so this never fails on an unreachable etcd. */
  static connect(opts: EtcdConnectionOptions, logger?: Logger): EtcdClient {
    const raw = new Etcd3(buildEtcd3Options(opts));
    return new EtcdClient(raw, opts, logger ?? silentLogger());
  }

  /** Runs an etcd call, mapping failures to PalisadeError. */
  async call<R>(op: string, fn: () => Promise<R>, key?: string): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw wrapEtcdError(err, { endpoints: this.endpoints, op, key, user: this.username });
    }
  }

  async get<T>(key: string, schema: Schema<T>): Promise<StoredValue<T> | null> {
    const res = await this.call('get', () => this.raw.kv.range({ key: Buffer.from(key) }), key);
    const kv = res.kvs[0];
    return kv ? toStored(kv, schema) : null;
  }

  async getRaw(key: string): Promise<{ value: string; modRevision: Revision } | null> {
    const res = await this.call('get', () => this.raw.kv.range({ key: Buffer.from(key) }), key);
    const kv = res.kvs[0];
    return kv ? { value: kv.value.toString(), modRevision: kv.mod_revision } : null;
  }

  /**
   * Reads every key under `prefix` in pages, all pinned to the revision of the first
   * page, so the result is one consistent snapshot (the syncer watches from it) and no
   * single gRPC message outgrows the 4 MiB default however large the cluster is. If
   * the pinned revision is compacted mid-way, the whole list starts over.
   */
  private async rangeAll(prefix: string): Promise<{ kvs: IKeyValue[]; revision: Revision }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call('list', () => this.rangePages(prefix), prefix);
      } catch (err) {
        if (attempt >= 3 || !/compacted/i.test(String((err as Error).message))) throw err;
      }
    }
  }

  private async rangePages(prefix: string): Promise<{ kvs: IKeyValue[]; revision: Revision }> {
    const end = Buffer.from(prefix);
    end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
    let start = Buffer.from(prefix);
    let revision: Revision | undefined;
    const kvs: IKeyValue[] = [];
    for (;;) {
      const res = await this.raw.kv.range({
        key: start,
        range_end: end,
        limit: String(LIST_PAGE_SIZE),
        ...(revision === undefined ? {} : { revision }),
      });
      revision ??= res.header.revision;
      kvs.push(...res.kvs);
      const last = res.kvs.at(-1);
      if (!res.more || !last) return { kvs, revision };
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  async listRaw(prefix: string): Promise<{ items: SyncUpdate[]; revision: Revision }> {
    const res = await this.rangeAll(prefix);
    return {
      items: res.kvs.map((kv) => ({
        key: kv.key.toString(),
        value: kv.value.toString(),
        modRevision: kv.mod_revision,
      })),
      revision: res.revision,
    };
  }

  async list<T>(prefix: string, schema: Schema<T>): Promise<ListResult<T>> {
    const res = await this.rangeAll(prefix);
    const out: ListResult<T> = { items: [], invalid: [], revision: res.revision };
    for (const kv of res.kvs) {
      try {
        out.items.push(toStored(kv, schema));
      } catch (err) {
        out.invalid.push({ key: kv.key.toString(), error: (err as Error).message });
      }
    }
    return out;
  }

  async put<T>(
    key: string,
    schema: Schema<T>,
    value: T,
    opts: PutOptions = {},
  ): Promise<WriteResult> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new PalisadeError(
        'INVALID_VALUE',
        `refusing to write invalid value at ${key}: ${describeZodError(parsed.error)}`,
        {
          cause: parsed.error,
          fields: { key },
        },
      );
    }
    return this.putRaw(key, JSON.stringify(parsed.data, null, 2), opts);
  }

  /** Writes text as is (no validation); for tests and tools that repair bad values. */
  async putRaw(key: string, text: string, opts: PutOptions = {}): Promise<WriteResult> {
    const op = this.raw.put(key).value(text);
    if (opts.leaseId !== undefined) op.lease(opts.leaseId);
    if (opts.expectModRevision === undefined) {
      const res = await this.call('put', () => op.exec(), key);
      return { succeeded: true, revision: res.header.revision };
    }
    const expected = opts.expectModRevision;
    const res = await this.call(
      'put',
      () => this.raw.if(key, 'Mod', '==', expected).then(op).commit(),
      key,
    );
    return { succeeded: res.succeeded, revision: res.header.revision };
  }

  async delete(key: string, opts: { expectModRevision?: Revision } = {}): Promise<WriteResult> {
    const op = this.raw.delete().key(key);
    if (opts.expectModRevision === undefined) {
      const res = await this.call('delete', () => op.exec(), key);
      return { succeeded: true, revision: res.header.revision };
    }
    const expected = opts.expectModRevision;
    const res = await this.call(
      'delete',
      () => this.raw.if(key, 'Mod', '==', expected).then(op).commit(),
      key,
    );
    return { succeeded: res.succeeded, revision: res.header.revision };
  }

  /** The store's current revision. */
  async revision(): Promise<Revision> {
    const res = await this.call(
      'revision',
      () => this.raw.kv.range({ key: Buffer.from(ROOT_PREFIX), count_only: true }),
      ROOT_PREFIX,
    );
    return res.header.revision;
  }

  /** Grants a lease and keeps it alive until revoked or lost. */
  async grantLease(ttlSeconds: number): Promise<LeaseHandle> {
    const lease = await this.call('grantLease', () =>
      KeptLease.grant(this.raw, ttlSeconds, this.logger),
    );
    this.leases.add(lease);
    lease.onEnded = () => this.leases.delete(lease);
    return lease;
  }

  /** Compacts the history up to `revision` (tests and maintenance tools). */
  async compact(revision: Revision): Promise<void> {
    await this.call('compact', () => this.raw.kv.compact({ revision, physical: true }));
  }

  /** Closes connections. Leases still held stop being kept alive and expire after their TTL. */
  async close(): Promise<void> {
    for (const lease of this.leases) lease.release();
    this.leases.clear();
    this.raw.close();
    return Promise.resolve();
  }
}
