export { realExec, netnsExec, type Exec, type ExecResult } from './exec.js';
export {
  Dataplane,
  type ApplyResult,
  type DataplaneMetrics,
  type DataplaneOptions,
} from './dataplane.js';
export type { BackendMode } from './iptables/backend.js';
export type { ApplyBreakdown, ApplyStep, FamilyBreakdown } from './applyBreakdown.js';
export {
  MARK_ACCEPT,
  MARK_PASS,
  DEFAULT_NFLOG_GROUP,
  formatNflogPrefix,
  parseNflogPrefix,
  type NflogPrefix,
} from './rules/marks.js';
