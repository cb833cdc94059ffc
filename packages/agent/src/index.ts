/** @palisade/agent's public API (the process entry point is main.ts). */
export type * from './messages.js';
export { Agent, type AgentDataplane, type AgentOptions, type ApplyResult } from './agent.js';
export {
  parseConfig,
  buildProgram,
  parseDuration,
  DEFAULTS,
  type AgentConfig,
  type IptablesBackend,
} from './config.js';
export {
  ValidationFilter,
  isolatingPolicy,
  type ValidationFilterOptions,
} from './validationFilter.js';
export { StatusReporter, type StatusFields, type StatusReporterOptions } from './statusReporter.js';
export { AgentMetrics } from './metrics.js';
export {
  BlockedConnectionMonitor,
  type BlockedMonitorOptions,
} from './blocked/blockedConnectionMonitor.js';
export { describeBlocked, type BlockedContext, type BlockedEntry } from './blocked/describe.js';
export { PcapStreamReader, decodeNflog, type LoggedPacket } from './blocked/pcap.js';
