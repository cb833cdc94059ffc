import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { matrixOrder, parseScenarioText } from './format.js';
import { networkOf, substitute } from './placeholders.js';

const example = path.resolve(import.meta.dirname, '../../scenarios/examples/three-tier.yaml');

describe('scenario format', () => {
  it('accepts the shared three-tier example with its defaults', () => {
    const [s] = parseScenarioText(readFileSync(example, 'utf8'), 'three-tier.yaml');
    expect(s!.scenario.cluster.nodes).toBe(2);
    expect(matrixOrder(s!.scenario)).toEqual(['shop/front', 'shop/mid', 'shop/db', 'outside/front', 'outside/mid', 'outside/db']);
    expect(s!.scenario.steps[1]!.timeoutSeconds).toBe(10);
  });

  it('applies the documented defaults', () => {
    const [s] = parseScenarioText('name: t\nsteps:\n  - expect: []\n', 't');
    const c = s!.scenario.cluster;
    expect(c.nodes).toBe(2);
    expect(c.namespaces).toEqual([{ name: 'x', labels: {} }, { name: 'y', labels: {} }, { name: 'z', labels: {} }]);
    expect(matrixOrder(s!.scenario)).toEqual(['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c', 'z/a', 'z/b', 'z/c']);
    expect(c.pods[3]).toEqual({ id: 'y/a', namespace: 'y', name: 'a', labels: { pod: 'a' } });
    expect(c.ports.map((p) => `${p.port}/${p.protocol}=${p.name}`)).toEqual([
      '80/TCP=serve-80-tcp', '80/UDP=serve-80-udp', '80/SCTP=serve-80-sctp',
      '81/TCP=serve-81-tcp', '81/UDP=serve-81-udp', '81/SCTP=serve-81-sctp',
    ]);
  });

  it('reads a list under scenarios', () => {
    const text = 'scenarios:\n  - name: a\n    steps: [{expect: []}]\n  - name: b\n    steps: [{expect: []}]\n';
    expect(parseScenarioText(text, 'f').map((s) => s.scenario.name)).toEqual(['a', 'b']);
  });

  it.each([
    ['a matrix of the wrong size', 'name: t\nsteps:\n  - expect: [{port: 80, protocol: TCP, matrix: ["01"]}]\n', /steps\.0\.expect\.0\.matrix: must be 9 rows of 9 cells/],
    ['an unknown step key', 'name: t\nsteps:\n  - applly: []\n', /Unrecognized key/],
    ['a bad cell', 'name: t\ncluster: {namespaces: {x: {}}, pods: [a]}\nsteps:\n  - expect: [{port: 80, matrix: ["x"]}]\n', /cells are/],
    ['duplicate names', 'scenarios:\n  - {name: a, steps: [{expect: []}]}\n  - {name: a, steps: [{expect: []}]}\n', /duplicate scenario name/],
    ['a bad protocol', 'name: t\ncluster: {namespaces: {x: {}}, pods: [a]}\nsteps:\n  - expect: [{port: 80, protocol: ICMP, matrix: ["1"]}]\n', /protocol/],
  ])('rejects %s', (_name, text, re) => {
    expect(() => parseScenarioText(text, 'f')).toThrow(re);
  });
});

describe('placeholders', () => {
  const ips: Record<string, string> = { 'x/a': '10.65.1.7', 'y/b': 'fd65::1:7' };
  const ipOf = (p: string): string => ips[p]!;
  it.each([
    ['${ip:x/a}', '10.65.1.7'],
    ['${cidr:x/a}', '10.65.1.7/32'],
    ['${cidr:x/a:24}', '10.65.1.0/24'],
    ['${cidr:x/a:16}', '10.65.0.0/16'],
    ['${cidr:x/a:0}', '0.0.0.0/0'],
    ['${ip:x/a}/8', '10.65.1.7/8'],
    ['${cidr:y/b}', 'fd65::1:7/128'],
    ['${cidr:y/b:64}', 'fd65::/64'],
    ['${cidr:y/b:112}', 'fd65::1:0/112'],
  ])('%s → %s', (text, want) => {
    expect(substitute({ a: [{ b: text }] }, ipOf)).toEqual({ a: [{ b: want }] });
  });
  it('rejects too long prefixes', () => {
    expect(() => networkOf('10.0.0.1', 33)).toThrow(/too long/);
  });
});
