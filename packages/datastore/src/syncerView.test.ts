import { describe, expect, it } from 'vitest';
import { SyncerView, type WatchEvent } from './syncerView.js';
import type { SyncUpdate } from './types.js';

const item = (key: string, modRevision: string, value = `v${modRevision}`): SyncUpdate => ({
  key,
  value,
  modRevision,
});
const put = (key: string, modRevision: string): WatchEvent => ({
  type: 'Put',
  key,
  value: `v${modRevision}`,
  modRevision,
});
const del = (key: string, modRevision: string): WatchEvent => ({
  type: 'Delete',
  key,
  value: null,
  modRevision,
});

describe('SyncerView', () => {
  it('first list delivers everything and sets the revision', () => {
    const v = new SyncerView();
    expect(v.revision).toBe('0');
    expect(v.applyList([item('/a', '2'), item('/b', '3')], '5')).toEqual([
      item('/a', '2'),
      item('/b', '3'),
    ]);
    expect(v.revision).toBe('5');
  });

  it.each([
    {
      name: 'unchanged keys are not re-sent, changed and new ones are, vanished ones are deleted',
      before: [item('/a', '2'), item('/b', '3'), item('/c', '4')],
      after: [item('/a', '2'), item('/b', '9'), item('/d', '8')],
      want: [{ key: '/c', value: null, modRevision: '10' }, item('/b', '9'), item('/d', '8')],
    },
    {
      name: 'a key deleted and recreated (new mod revision) is re-sent',
      before: [item('/a', '2')],
      after: [item('/a', '7')],
      want: [item('/a', '7')],
    },
    {
      name: 'everything vanished',
      before: [item('/a', '2')],
      after: [],
      want: [{ key: '/a', value: null, modRevision: '10' }],
    },
  ])('re-list diff: $name', ({ before, after, want }) => {
    const v = new SyncerView();
    v.applyList(before, '5');
    expect(v.applyList(after, '10')).toEqual(want);
    expect(v.size).toBe(after.length);
  });

  it('applies watch events, advancing the revision to the last event', () => {
    const v = new SyncerView();
    v.applyList([item('/a', '2')], '4');
    expect(v.applyEvents([put('/b', '5'), del('/a', '6'), put('/b', '7')])).toEqual([
      item('/b', '5'),
      { key: '/a', value: null, modRevision: '6' },
      item('/b', '7'),
    ]);
    expect(v.revision).toBe('7');
  });

  it('drops events already covered and deletions of unknown keys', () => {
    const v = new SyncerView();
    v.applyList([item('/a', '2')], '6');
    expect(v.applyEvents([put('/a', '5'), del('/zz', '7')])).toEqual([]);
    expect(v.revision).toBe('7');
  });

  it('handles revisions beyond 2^53', () => {
    const v = new SyncerView();
    v.applyList([], '9007199254740993');
    expect(v.applyEvents([put('/a', '9007199254740993')])).toEqual([]);
    expect(v.applyEvents([put('/a', '9007199254740994')])).toHaveLength(1);
    expect(v.revision).toBe('9007199254740994');
  });
});
