/**
 * Node health: the agents' status keys joined with the nodes that endpoints live on.
 * An agent can only know about writes under policy/, endpoint/ and namespace/, so its
 * lag is measured against the newest such write (ModelData.modelRevision), not against
 * the store revision, which other agents' status writes keep moving.
 */
import type { AgentStatus } from '@palisade/model';
import type { ModelData } from './modelView.js';

export type NodeProblem = 'missing' | 'not-in-sync' | 'behind' | 'error';

export interface NodeRow {
  name: string;
  agent: AgentStatus | null;
  /** Endpoints etcd places on this node. */
  endpoints: number;
  programmedRevision: string | null;
  /** modelRevision − programmedRevision, never negative; null without an agent. */
  lag: number | null;
  /** The agent's last error, when no successful apply came after it. */
  currentError: string | null;
  problems: NodeProblem[];
}

/** An error is current when no apply succeeded after it. */
function currentError(a: AgentStatus): string | null {
  const e = a.status.lastError;
  if (e === null) return null;
  const applied = a.status.lastApply;
  return applied !== null && Date.parse(applied.time) > Date.parse(e.time) ? null : e.message;
}

export function nodeRows(data: ModelData, maxLag = 0): NodeRow[] {
  const counts = new Map<string, number>();
  for (const e of data.endpoints) counts.set(e.value.spec.node, (counts.get(e.value.spec.node) ?? 0) + 1);
  const agents = new Map(data.agents.map((a) => [a.value.metadata.name, a.value]));
  const names = [...new Set([...counts.keys(), ...agents.keys()])].sort();
  const target = BigInt(data.modelRevision);
  return names.map((name): NodeRow => {
    const agent = agents.get(name) ?? null;
    const endpoints = counts.get(name) ?? 0;
    if (agent === null)
      return { name, agent, endpoints, programmedRevision: null, lag: null, currentError: null, problems: ['missing'] };
    const programmed = agent.status.programmedRevision;
    const diff = target - BigInt(programmed);
    const lag = diff > 0n ? Number(diff) : 0;
    const err = currentError(agent);
    const problems: NodeProblem[] = [];
    if (!agent.status.inSync) problems.push('not-in-sync');
    if (lag > maxLag) problems.push('behind');
    if (err !== null) problems.push('error');
    return { name, agent, endpoints, programmedRevision: programmed, lag, currentError: err, problems };
  });
}

/** Whether every agent has programmed `revision` (and is in sync, and none is missing). */
export function allProgrammed(rows: NodeRow[], revision: string): boolean {
  return rows.every(
    (r) => r.agent !== null && r.agent.status.inSync && BigInt(r.agent.status.programmedRevision) >= BigInt(revision),
  );
}
