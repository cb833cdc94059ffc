import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { diffRules, type Edit } from './diff.js';

/** Applies edits the way iptables-restore does, to check they are positionally valid. */
function play(current: (string | null)[], desired: string[], edits: Edit[]): (string | null)[] {
  const out = [...current];
  for (const e of edits) {
    switch (e.op) {
      case 'replace':
        expect(e.pos).toBeLessThanOrEqual(out.length);
        out[e.pos - 1] = desired[e.desired]!;
        break;
      case 'insert':
        expect(e.pos).toBeLessThanOrEqual(out.length);
        out.splice(e.pos - 1, 0, desired[e.desired]!);
        break;
      case 'append':
        out.push(desired[e.desired]!);
        break;
      case 'delete':
        expect(e.pos).toBeLessThanOrEqual(out.length);
        out.splice(e.pos - 1, 1);
        break;
    }
  }
  return out;
}

const ten = Array.from({ length: 10 }, (_, i) => `r${i}`);

describe('diffRules', () => {
  it.each([
    { name: 'identical', cur: ten, des: ten, want: [] },
    {
      name: 'one changed in the middle → one replace',
      cur: ten,
      des: ten.map((r, i) => (i === 5 ? 'x' : r)),
      want: [{ op: 'replace', pos: 6, desired: 5 }],
    },
    {
      name: 'one inserted in the middle → one insert',
      cur: ten,
      des: [...ten.slice(0, 3), 'x', ...ten.slice(3)],
      want: [{ op: 'insert', pos: 4, desired: 3 }],
    },
    {
      name: 'one removed → one delete',
      cur: ten,
      des: ten.filter((_, i) => i !== 7),
      want: [{ op: 'delete', pos: 8 }],
    },
    { name: 'append at end', cur: ['a'], des: ['a', 'b'], want: [{ op: 'append', desired: 1 }] },
    {
      name: 'foreign rule (null) is removed',
      cur: ['a', null, 'b'],
      des: ['a', 'b'],
      want: [{ op: 'delete', pos: 2 }],
    },
    {
      name: 'into an empty chain',
      cur: [],
      des: ['a', 'b'],
      want: [
        { op: 'append', desired: 0 },
        { op: 'append', desired: 1 },
      ],
    },
  ])('$name', ({ cur, des, want }) => {
    const edits = diffRules(cur, des);
    expect(edits).toEqual(want);
    expect(play(cur, des, edits)).toEqual(des);
  });

  it('always converges with positionally valid edits (property)', () => {
    const rule = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    fc.assert(
      fc.property(
        fc.array(fc.option(rule, { nil: null }), { maxLength: 12 }),
        fc.array(rule, { maxLength: 12 }),
        (cur, des) => {
          expect(play(cur, des, diffRules(cur, des))).toEqual(des);
        },
      ),
    );
  });
});
