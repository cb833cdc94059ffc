/** What commands need from the outside world; bin.ts wires the real one, tests a fake. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { PalisadeError, isPalisadeError } from '@palisade/model';
import { resolveConfig } from './config.js';
import type { GlobalFlags } from './config.js';
import { processOutput } from './output/io.js';
import type { Output } from './output/io.js';
import { EtcdModelSource } from './source.js';
import type { ModelSource, SourceFactory } from './source.js';
import type { ModelData } from './view/modelView.js';

export interface CliContext {
  out: Output;
  env: Record<string, string | undefined>;
  homeDir: string;
  readFile(file: string): string | null;
  openSource: SourceFactory;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Set by commands that finish with a non-zero code without an error. */
  exitCode: number;
}

export function defaultContext(): CliContext {
  return {
    out: processOutput,
    env: process.env,
    homeDir: os.homedir(),
    readFile: (file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new PalisadeError('INVALID_INPUT', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
    },
    openSource: (opts) => EtcdModelSource.open(opts),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    exitCode: 0,
  };
}

/** A PalisadeError field holding advice printed on its own line after the message. */
export const HINT_FIELD = 'hint';

const UNAVAILABLE_HINT =
  'hint: etcd endpoints come from --etcd-endpoints, $PALISADE_ETCD_ENDPOINTS or etcd.endpoints in the config file';

/**
 * Opens the configured source, runs `fn` with a loader, and always closes it. An
 * unreachable etcd becomes UNAVAILABLE naming the endpoints that were tried.
 */
export async function withSource<T>(
  ctx: CliContext,
  cmd: Command,
  fn: (load: () => Promise<ModelData>) => Promise<T>,
): Promise<T> {
  const config = resolveConfig(cmd.optsWithGlobals<GlobalFlags>(), ctx);
  const endpoints = config.etcd.endpoints.join(',');
  let source: ModelSource;
  try {
    source = ctx.openSource(config.etcd);
  } catch (err) {
    if (isPalisadeError(err)) throw err;
    throw new PalisadeError('UNAVAILABLE', `cannot connect to etcd at ${endpoints}: ${(err as Error).message}`, { cause: err });
  }
  const load = async (): Promise<ModelData> => {
    try {
      return await source.load();
    } catch (err) {
      if (!isPalisadeError(err, 'UNAVAILABLE')) throw err;
      // grpc appends an empty "Resolution note:"; the hint says where endpoints come from.
      const detail = err.message.replace(/\s*Resolution note:\s*$/, '');
      const message = detail.includes(endpoints) ? detail : `etcd unreachable at ${endpoints}: ${detail}`;
      throw new PalisadeError('UNAVAILABLE', message, { cause: err, fields: { ...err.fields, [HINT_FIELD]: UNAVAILABLE_HINT } });
    }
  };
  try {
    return await fn(load);
  } finally {
    await source.close().catch(() => undefined);
  }
}
