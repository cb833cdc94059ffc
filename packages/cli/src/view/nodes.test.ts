import { describe, expect, it } from 'vitest';
import { makeAgent, makeData, makeEndpoint, onNode, storedAgents } from '../testing/builders.js';
import { allProgrammed, nodeRows } from './nodes.js';
import type { NodeProblem } from './nodes.js';

const eps = [makeEndpoint('x', 'a', onNode('n1')), makeEndpoint('x', 'b', onNode('n1')), makeEndpoint('x', 'c', onNode('n2'))];

function rows(agents: ReturnType<typeof makeAgent>[], modelRevision = '100', maxLag = 0) {
  return nodeRows(makeData({ endpoints: eps, extra: { agents: storedAgents(agents), modelRevision } }), maxLag);
}

describe('nodeRows', () => {
  it.each<{ name: string; agents: ReturnType<typeof makeAgent>[]; maxLag?: number; want: Record<string, NodeProblem[]> }>([
    { name: 'healthy', agents: [makeAgent('n1', '100'), makeAgent('n2', '120')], want: { n1: [], n2: [] } },
    { name: 'missing agent', agents: [makeAgent('n1', '100')], want: { n1: [], n2: ['missing'] } },
    { name: 'behind', agents: [makeAgent('n1', '99'), makeAgent('n2', '100')], want: { n1: ['behind'], n2: [] } },
    { name: 'within max lag', agents: [makeAgent('n1', '95'), makeAgent('n2', '100')], maxLag: 5, want: { n1: [], n2: [] } },
    { name: 'beyond max lag', agents: [makeAgent('n1', '94'), makeAgent('n2', '100')], maxLag: 5, want: { n1: ['behind'], n2: [] } },
    {
      name: 'not in sync and current error',
      agents: [
        makeAgent('n1', '100', (a) => { a.status.inSync = false; }),
        makeAgent('n2', '100', (a) => { a.status.lastError = { time: '2025-01-01T00:00:20.000Z', message: 'iptables-restore failed' }; }),
      ],
      want: { n1: ['not-in-sync'], n2: ['error'] },
    },
    {
      name: 'an error followed by a successful apply is past',
      agents: [makeAgent('n1', '100', (a) => { a.status.lastError = { time: '2025-01-01T00:00:05.000Z', message: 'old' }; }), makeAgent('n2', '100')],
      want: { n1: [], n2: [] },
    },
    { name: 'an agent on a node without endpoints counts', agents: [makeAgent('n1', '100'), makeAgent('n2', '100'), makeAgent('n3', '1')], want: { n1: [], n2: [], n3: ['behind'] } },
  ])('$name', ({ agents, maxLag, want }) => {
    const got = Object.fromEntries(rows(agents, '100', maxLag ?? 0).map((r) => [r.name, r.problems]));
    expect(got).toEqual(want);
  });

  it('counts endpoints and lag', () => {
    const [n1, n2] = rows([makeAgent('n1', '90')]);
    expect(n1).toMatchObject({ name: 'n1', endpoints: 2, lag: 10, programmedRevision: '90' });
    expect(n2).toMatchObject({ name: 'n2', endpoints: 1, lag: null, agent: null });
  });

  it('allProgrammed needs every agent present, in sync and at the revision', () => {
    expect(allProgrammed(rows([makeAgent('n1', '100'), makeAgent('n2', '101')]), '100')).toBe(true);
    expect(allProgrammed(rows([makeAgent('n1', '100')]), '100')).toBe(false);
    expect(allProgrammed(rows([makeAgent('n1', '99'), makeAgent('n2', '101')]), '100')).toBe(false);
  });
});
