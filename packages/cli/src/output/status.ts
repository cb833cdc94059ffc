/** `status`: the leader, revisions, one row per node, then what is wrong. */
import { problemText } from '../view/status.js';
import type { StatusReport } from '../view/status.js';
import { escapeControls } from './escape.js';
import { nodeTable } from './resources.js';
import { formatAge } from './table.js';

function summary(r: StatusReport): string[] {
  const problems = r.nodes.flatMap((n) => n.problems.map((p) => `  ${n.name}: ${problemText(n, p, r)}`));
  if (problems.length > 0) return ['', 'UNHEALTHY:', ...problems];
  if (r.nodes.length === 0) return [];
  const n = `${r.nodes.length} agent${r.nodes.length === 1 ? '' : 's'}`;
  const upToDate = r.nodes.every((row) => row.lag === 0);
  return [
    '',
    upToDate
      ? `Healthy: all ${n} in sync and programmed up to revision ${r.modelRevision}.`
      : `Healthy: all ${n} in sync, within --max-lag ${r.maxLag} of revision ${r.modelRevision}.`,
  ];
}

/**
 * Built as lines, each escaped on output: node names, agent errors, invalid keys and
 * their messages are stored strings, and a raw line break in one could forge the
 * verdict ("Healthy: …") that operators and scripts read.
 */
export function formatStatus(r: StatusReport, now: Date): string {
  const leader = r.leader
    ? `${r.leader.id}${r.leader.since ? ` (since ${r.leader.since}, ${formatAge(r.leader.since, now)} ago)` : ''}`
    : '<none> (no controller holds the election)';
  const lines = [
    `Controller leader:  ${leader}`,
    `etcd revision:      ${r.revision} (newest policy/endpoint/namespace write: ${r.modelRevision})`,
    '',
    ...(r.nodes.length === 0 ? ['No nodes: no agent status and no endpoints.'] : nodeTable(r.nodes, { now }).trimEnd().split('\n')),
  ];
  if (r.invalidKeys.length > 0)
    lines.push(
      '',
      'Invalid values in etcd (contained by the agents; fix the writer):',
      ...r.invalidKeys.map(
        (i) => `  ${i.key}: ${i.error}${i.reportedBy.length > 0 ? ` (reported by ${i.reportedBy.join(', ')})` : ''}`,
      ),
    );
  lines.push(...summary(r));
  return `${lines.map(escapeControls).join('\n')}\n`;
}
