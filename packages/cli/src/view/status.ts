/** The `status` report: node health, invalid keys, the controller leader (pure). */
import type { InvalidEntry, ModelData } from './modelView.js';
import { nodeRows } from './nodes.js';
import type { NodeProblem, NodeRow } from './nodes.js';

export interface InvalidKeyReport extends InvalidEntry {
  /** Agents that report this key as invalid (empty: seen only by palisadectl). */
  reportedBy: string[];
}

export interface StatusReport {
  healthy: boolean;
  revision: string;
  modelRevision: string;
  maxLag: number;
  leader: ModelData['leader'];
  nodes: NodeRow[];
  invalidKeys: InvalidKeyReport[];
}

export function buildStatusReport(data: ModelData, maxLag: number): StatusReport {
  const nodes = nodeRows(data, maxLag);
  const invalid = new Map<string, InvalidKeyReport>();
  for (const i of data.invalid) invalid.set(i.key, { ...i, reportedBy: [] });
  for (const a of data.agents)
    for (const [key, error] of Object.entries(a.value.status.invalidKeys)) {
      const entry = invalid.get(key) ?? { key, error, reportedBy: [] };
      entry.reportedBy.push(a.value.metadata.name);
      invalid.set(key, entry);
    }
  return {
    healthy: nodes.every((n) => n.problems.length === 0),
    revision: data.revision,
    modelRevision: data.modelRevision,
    maxLag,
    leader: data.leader,
    nodes,
    invalidKeys: [...invalid.values()].sort((a, b) => a.key.localeCompare(b.key)),
  };
}

export function problemText(row: NodeRow, problem: NodeProblem, report: StatusReport): string {
  switch (problem) {
    case 'missing':
      return `${row.endpoints} endpoint${row.endpoints === 1 ? '' : 's'} on this node but no agent status (is the agent running?)`;
    case 'not-in-sync':
      return 'agent is not in sync with etcd yet';
    case 'behind':
      return `behind: programmed revision ${row.programmedRevision ?? '?'}, newest model write ${report.modelRevision} (lag ${row.lag ?? '?'} > --max-lag ${report.maxLag})`;
    case 'error':
      return `error: ${row.currentError ?? ''}`;
  }
}

/** The machine-readable form (`status -o json`). */
export function statusJson(r: StatusReport): unknown {
  return {
    healthy: r.healthy,
    revision: r.revision,
    modelRevision: r.modelRevision,
    maxLag: r.maxLag,
    leader: r.leader,
    nodes: r.nodes.map((n) => ({
      name: n.name,
      agent: n.agent !== null,
      inSync: n.agent?.status.inSync ?? false,
      programmedRevision: n.programmedRevision,
      lag: n.lag,
      endpoints: n.endpoints,
      lastApply: n.agent?.status.lastApply?.time ?? null,
      error: n.currentError,
      problems: n.problems,
    })),
    invalidKeys: r.invalidKeys,
  };
}
