import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMerge } from './patch.js';

describe('mergePatch (RFC 7386)', () => {
  const cases: [string, unknown, unknown, unknown][] = [
    ['adds and replaces', { a: 1, b: { c: 2 } }, { b: { d: 3 } }, { a: 1, b: { c: 2, d: 3 } }],
    ['null deletes', { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ['lists are replaced', { l: [1, 2] }, { l: [3] }, { l: [3] }],
    ['non-object patch replaces', { a: 1 }, 'x', 'x'],
  ];
  it.each(cases)('%s', (_n, target, patch, want) => {
    expect(mergePatch(target, patch)).toEqual(want);
  });
});

describe('strategicMerge', () => {
  const pod = {
    metadata: { labels: { a: '1' }, finalizers: ['x'] },
    spec: {
      containers: [
        { name: 'a', image: 'i:1' },
        { name: 'b', image: 'j:1' },
      ],
    },
    status: { conditions: [{ type: 'Ready', status: 'False' }] },
  };
  const cases: [string, unknown, unknown][] = [
    [
      'merges containers by name',
      { spec: { containers: [{ name: 'b', image: 'j:2' }] } },
      {
        containers: [
          { name: 'a', image: 'i:1' },
          { name: 'b', image: 'j:2' },
        ],
      },
    ],
    [
      'deletes a container with $patch: delete',
      { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
      { containers: [{ name: 'b', image: 'j:1' }] },
    ],
    [
      'orders by $setElementOrder',
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
          containers: [{ name: 'a', image: 'i:3' }],
        },
      },
      {
        containers: [
          { name: 'b', image: 'j:1' },
          { name: 'a', image: 'i:3' },
        ],
      },
    ],
    [
      'replaces a map with $patch: replace',
      { spec: { $patch: 'replace', containers: [] } },
      { containers: [] },
    ],
  ];
  it.each(cases)('%s', (_n, patch, wantSpec) => {
    expect((strategicMerge(pod, patch) as { spec: unknown }).spec).toEqual(wantSpec);
  });

  it('merges status conditions by type and primitive finalizers', () => {
    const out = strategicMerge(pod, {
      metadata: { finalizers: ['y'], '$deleteFromPrimitiveList/finalizers': ['x'] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Scheduled', status: 'True' },
        ],
      },
    }) as typeof pod;
    expect(out.metadata.finalizers).toEqual(['y']);
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'True' },
      { type: 'Scheduled', status: 'True' },
    ]);
  });

  it('replaces lists without a merge key (NetworkPolicy rules are atomic)', () => {
    const np = { spec: { ingress: [{ ports: [{ port: 80 }] }, {}] } };
    expect(strategicMerge(np, { spec: { ingress: [{}] } })).toEqual({ spec: { ingress: [{}] } });
  });
});

describe('jsonPatch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: [1, 2, 3] };
  const cases: [string, unknown[], unknown][] = [
    [
      'add a key',
      [{ op: 'add', path: '/metadata/labels/b', value: '2' }],
      { metadata: { labels: { a: '1', b: '2' } }, list: [1, 2, 3] },
    ],
    [
      'escaped pointer',
      [{ op: 'add', path: '/metadata/labels/x~1y', value: 'z' }],
      { metadata: { labels: { a: '1', 'x/y': 'z' } }, list: [1, 2, 3] },
    ],
    [
      'append with -',
      [{ op: 'add', path: '/list/-', value: 4 }],
      { metadata: { labels: { a: '1' } }, list: [1, 2, 3, 4] },
    ],
    [
      'insert',
      [{ op: 'add', path: '/list/0', value: 0 }],
      { metadata: { labels: { a: '1' } }, list: [0, 1, 2, 3] },
    ],
    [
      'replace in list',
      [{ op: 'replace', path: '/list/1', value: 9 }],
      { metadata: { labels: { a: '1' } }, list: [1, 9, 3] },
    ],
    [
      'remove',
      [{ op: 'remove', path: '/metadata/labels/a' }],
      { metadata: { labels: {} }, list: [1, 2, 3] },
    ],
    [
      'move',
      [{ op: 'move', from: '/list', path: '/moved' }],
      { metadata: { labels: { a: '1' } }, moved: [1, 2, 3] },
    ],
    [
      'copy',
      [{ op: 'copy', from: '/list/0', path: '/first' }],
      { metadata: { labels: { a: '1' } }, list: [1, 2, 3], first: 1 },
    ],
  ];
  it.each(cases)('%s', (_n, ops, want) => {
    expect(jsonPatch(doc, ops)).toEqual(want);
  });

  it.each([
    ['failed test', [{ op: 'test', path: '/list/0', value: 7 }]],
    ['missing path', [{ op: 'remove', path: '/nope/x' }]],
    ['replace of a missing key', [{ op: 'replace', path: '/metadata/nope', value: 1 }]],
  ])('rejects %s', (_n, ops) => {
    expect(() => jsonPatch(doc, ops)).toThrow();
  });
});
