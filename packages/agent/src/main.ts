#!/usr/bin/env node
/**
 * palisade-agent: the node agent's entry point. Thin: parse config, build the parts,
 * wire signals. See agent.ts for the orchestration and docs/agent.md for operations.
 *
 * Shutdown (SIGTERM/SIGINT) stops the syncer and revokes the status lease but leaves
 * every rule and set in place: enforcement continues across restarts and upgrades.
 */
import { readFileSync, existsSync } from 'node:fs';
import {
  createLogger,
  errorMessage,
  startObservabilityServer,
  type Logger,
} from '@palisade/common';
import { EtcdClient, Syncer } from '@palisade/datastore';
import { ROOT_PREFIX } from '@palisade/model';
import { Agent } from './agent.js';
import { BlockedConnectionMonitor } from './blocked/blockedConnectionMonitor.js';
import { CalcGraph } from './calc/index.js';
import { parseConfig, type AgentConfig } from './config.js';
import { Dataplane, realExec, type Exec } from './dataplane/index.js';
import { AgentMetrics } from './metrics.js';
import { StatusReporter } from './statusReporter.js';
import { ValidationFilter } from './validationFilter.js';
import { FileLastGoodStore } from './lastGoodStore.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function detectIpv6(exec: Exec, logger: Logger): Promise<boolean> {
  const res = await exec('ip6tables', ['-w', '-S', 'FORWARD']);
  if (res.code !== 0)
    logger.info('ip6tables not usable; programming IPv4 only', { err: res.stderr.trim() });
  return res.code === 0;
}

/** Bridged CNIs only send pod traffic through FORWARD with br_netfilter loaded. */
function checkBrNetfilter(logger: Logger): void {
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables'))
    logger.info(
      'br_netfilter is not loaded: bridged CNIs need it for pod traffic to be policed (routed CNIs do not)',
    );
}

async function runCleanup(cfg: AgentConfig, logger: Logger, ipv6: boolean): Promise<number> {
  const dp = new Dataplane({
    exec: realExec,
    logger,
    ipv6,
    backend: cfg.iptablesBackend,
    nflogGroup: cfg.nflogGroup,
  });
  await dp.cleanup();
  return 0;
}

async function run(cfg: AgentConfig, logger: Logger): Promise<void> {
  const ipv6 = cfg.ipv6 ?? (await detectIpv6(realExec, logger));
  if (cfg.cleanup) process.exit(await runCleanup(cfg, logger, ipv6));
  checkBrNetfilter(logger);

  const metrics = new AgentMetrics();
  const client = EtcdClient.connect(cfg.etcd, logger.child({ component: 'etcd' }));
  const calc = new CalcGraph({ nodeName: cfg.nodeName });
  const lastGood =
    cfg.stateDir === ''
      ? undefined
      : new FileLastGoodStore({
          dir: cfg.stateDir,
          nodeName: cfg.nodeName,
          logger: logger.child({ component: 'state' }),
        });
  const filter = new ValidationFilter({
    nodeName: cfg.nodeName,
    logger: logger.child({ component: 'validation' }),
    onInvalid: (kind) => metrics.invalidValues.inc({ kind }),
    ...(lastGood ? { lastGood } : {}),
  });
  const dataplane = new Dataplane({
    exec: realExec,
    logger,
    ipv6,
    backend: cfg.iptablesBackend,
    nflogGroup: cfg.nflogGroup,
    metrics: {
      clobberedChains: metrics.clobberedChains,
      revoke: { revoked: metrics.revokedConnections, checks: metrics.revokeChecks },
    },
    revokeConnections: cfg.revokeConnections,
  });
  const status = new StatusReporter({
    client,
    nodeName: cfg.nodeName,
    ttlSeconds: cfg.statusTtlSeconds,
    version: version(),
    logger: logger.child({ component: 'status' }),
  });
  let shuttingDown: Promise<void> | null = null;
  const agent = new Agent({
    calc,
    dataplane,
    filter,
    metrics,
    status,
    logger: logger.child({ component: 'agent' }),
    applyDebounceMs: cfg.applyDebounceMs,
    resyncIntervalMs: cfg.resyncIntervalMs,
    maxApplyFailures: cfg.maxApplyFailures,
    onFatal: () => void (shuttingDown ??= shutdown(1)),
  });
  const blocked = new BlockedConnectionMonitor({
    group: cfg.nflogGroup,
    logger: logger.child({ component: 'blocked' }),
    metrics,
    maxLinesPerSecond: cfg.blockedLogPerSecond,
    context: {
      describeIp: (ip) => calc.describeIp(ip),
      policiesFor: (ref, direction) => calc.policiesFor(ref)?.[direction] ?? [],
    },
  });
  const server = await startObservabilityServer({
    host: cfg.metricsHost,
    port: cfg.metricsPort,
    registry: metrics.registry,
    health: { live: () => true, ready: () => agent.isReady() },
  });
  logger.info('metrics and health server listening', { port: server.port, host: cfg.metricsHost });
  const syncer = new Syncer({ client, prefix: ROOT_PREFIX, callbacks: agent, logger });

  async function shutdown(code: number): Promise<void> {
    logger.info('shutting down; programmed rules stay in place', { code });
    const hardStop = setTimeout(() => process.exit(code), 10_000);
    hardStop.unref();
    try {
      await syncer.stop();
      await agent.stop();
      blocked.stop();
      await status.stop();
      lastGood?.flush();
      await server.close();
      await client.close();
    } catch (err) {
      logger.warn('error during shutdown', { err: errorMessage(err) });
    }
    process.exit(code);
  }

  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => void (shuttingDown ??= shutdown(0)));

  logger.info('starting', {
    node: cfg.nodeName,
    etcd: cfg.etcd.endpoints,
    etcdUser: cfg.etcd.username ?? '(none)',
    ipv6,
    revokeConnections: cfg.revokeConnections,
    version: version(),
  });
  agent.start();
  blocked.start();
  status.schedule();
  syncer.start();
}

async function main(): Promise<void> {
  let cfg: AgentConfig;
  try {
    cfg = parseConfig(process.argv.slice(2));
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    process.stderr.write(`palisade-agent: ${errorMessage(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger({
    level: cfg.logLevel,
    format: cfg.logFormat,
    defaultMeta: { node: cfg.nodeName },
  });
  try {
    await run(cfg, logger);
  } catch (err) {
    logger.error('agent failed to start', { err: errorMessage(err) });
    process.exit(1);
  }
}

void main();
