#!/usr/bin/env node
/**
 * palisade-controller: entry point. Thin: parse config, create the logger, start the
 * Controller, wire signals. SIGTERM/SIGINT stop writing, resign leadership (so a
 * standby takes over without waiting for the lease to expire) and exit 0.
 */
import { createLogger, errorMessage, isPalisadeError } from '@palisade/common';
import { parseConfig, type ControllerConfig } from './config.js';
import { Controller } from './controller.js';

async function main(): Promise<void> {
  let cfg: ControllerConfig;
  try {
    cfg = parseConfig(process.argv.slice(2));
  } catch (err) {
    // commander has already printed --help to stdout and reports it as an "error".
    const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
    if (cause?.code === 'commander.helpDisplayed') process.exit(0);
    process.stderr.write(`palisade-controller: ${errorMessage(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: cfg.logLevel, format: cfg.logFormat, defaultMeta: { app: 'palisade-controller' } });
  logger.info('starting', { id: cfg.id, etcd: cfg.etcd.endpoints, etcdUser: cfg.etcd.username ?? '(none)', kubeconfig: cfg.kubeconfig ?? '(default)' });
  const controller = new Controller(cfg, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const hardExit = setTimeout(() => process.exit(1), 10_000);
    hardExit.unref();
    controller.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { err: errorMessage(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await controller.start();
  } catch (err) {
    logger.error('failed to start', { err: errorMessage(err), code: isPalisadeError(err) ? err.code : undefined });
    process.exit(1);
  }
}

void main();
