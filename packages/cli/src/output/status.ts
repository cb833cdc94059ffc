/** `status`: the leader, revisions, one row per node, then what is wrong. */
import { problemText } from '../view/status.js';
import type { StatusReport } from '../view/status.js';
import { nodeTable } from './resources.js';
import { formatAge } from './table.js';

export function formatStatus(r: StatusReport, now: Date): string {
  const leader = r.leader
    ? `${r.leader.id}${r.leader.since ? ` (since ${r.leader.since}, ${formatAge(r.leader.since, now)} ago)` : ''}`
    : '<none> (no controller holds the election)';
  const lines = [
    `Controller leader:  ${leader}`,
    `etcd revision:      ${r.revision} (newest policy/endpoint/namespace write: ${r.modelRevision})`,
  ];
  const out = [`${lines.join('\n')}\n\n`, r.nodes.length === 0 ? 'No nodes: no agent status and no endpoints.\n' : nodeTable(r.nodes, { now })];
  if (r.invalidKeys.length > 0) {
    out.push(
      `\nInvalid values in etcd (contained by the agents; fix the writer):\n${r.invalidKeys
        .map((i) => `  ${i.key}: ${i.error}${i.reportedBy.length > 0 ? ` (reported by ${i.reportedBy.join(', ')})` : ''}\n`)
        .join('')}`,
    );
  }
  const problems = r.nodes.flatMap((n) => n.problems.map((p) => `  ${n.name}: ${problemText(n, p, r)}\n`));
  if (problems.length > 0) out.push(`\nUNHEALTHY:\n${problems.join('')}`);
  else if (r.nodes.length > 0) {
    const n = `${r.nodes.length} agent${r.nodes.length === 1 ? '' : 's'}`;
    const upToDate = r.nodes.every((row) => row.lag === 0);
    out.push(
      upToDate
        ? `\nHealthy: all ${n} in sync and programmed up to revision ${r.modelRevision}.\n`
        : `\nHealthy: all ${n} in sync, within --max-lag ${r.maxLag} of revision ${r.modelRevision}.\n`,
    );
  }
  return out.join('');
}
