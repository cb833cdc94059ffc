import { describe, expect, it } from 'vitest';
import { deleted, epInput, makeEndpoint } from './testing/builders.js';
import { TEST_NODE as NODE, graph } from './testing/graphHarness.js';

const isolated = makeEndpoint('ns-a', 'isolated', { node: NODE, ips: ['10.0.0.5'] });
const twin = makeEndpoint('ns-b', 'twin', { node: NODE, ips: ['10.0.0.5', 'fd00::5'] });
const remote = makeEndpoint('ns-c', 'remote', { node: 'node-2', ips: ['fd00::5'] });
const other = makeEndpoint('ns-a', 'other', { node: NODE, ips: ['10.0.0.6'] });

describe('CalcGraph.ipConflicts', () => {
  const all = [isolated, twin, remote, other].map(epInput);
  it.each([
    ['in order', all],
    ['reversed', [...all].reverse()],
  ])('reports local and cluster-wide claims of one IP (%s)', (_n, inputs) => {
    const { g } = graph(...inputs);
    expect(g.ipConflicts()).toEqual([
      { ip: '10.0.0.5', endpoints: ['ns-a/isolated', 'ns-b/twin'], local: true },
      { ip: 'fd00::5', endpoints: ['ns-b/twin', 'ns-c/remote'], local: false },
    ]);
  });

  it('a conflict ends when a claimant leaves', () => {
    const { g, send } = graph(...all);
    send(deleted(epInput(twin)));
    expect(g.ipConflicts()).toEqual([]);
    send(epInput(twin));
    expect(g.ipConflicts()).toHaveLength(2);
  });
});

describe('CalcGraph.ipConflicts with one address spelt two ways', () => {
  it('is one claim, keyed by the canonical text', () => {
    const a = makeEndpoint('ns-a', 'a', { node: NODE, ips: ['fd00::9'] });
    const b = makeEndpoint('ns-b', 'b', { node: 'node-2', ips: ['FD00:0:0::9'] });
    const { g } = graph(epInput(a), epInput(b));
    expect(g.ipConflicts()).toEqual([
      { ip: 'fd00::9', endpoints: ['ns-a/a', 'ns-b/b'], local: false },
    ]);
    expect(g.describeIp('fd00:0::9')?.name).toBe('a');
  });
});
