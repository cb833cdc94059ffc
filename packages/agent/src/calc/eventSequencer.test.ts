import { describe, expect, it } from 'vitest';
import type { CalcMessage, EndpointUpdate, IpSetId } from '../messages.js';
import { EventSequencer } from './eventSequencer.js';

const A: IpSetId = { kind: 's', identity: 'a' };
const B: IpSetId = { kind: 'n', identity: 'b' };
const P = { namespace: 'ns', name: 'p' };
const E = { namespace: 'ns', name: 'e' };
const rules = { inbound: [], outbound: null };
const endpoint = (ips: string[]): EndpointUpdate => ({
  type: 'EndpointUpdate',
  endpoint: E,
  ips,
  ingress: { isolated: true, policies: [P] },
  egress: { isolated: false, policies: [] },
});

type Step = (s: EventSequencer) => void;
/** Steps before the first flush, steps before the second; the second flush is checked. */
const cases: { name: string; before: Step[]; after: Step[]; expected: CalcMessage[] }[] = [
  {
    name: 'a new set carries its full members',
    before: [],
    after: [
      (s) => s.setCreated(A),
      (s) => s.memberAdded(A, '1'),
      (s) => s.memberAdded(A, '2'),
      (s) => s.memberRemoved(A, '1'),
    ],
    expected: [{ type: 'IpSetUpdate', set: A, members: ['2'] }],
  },
  {
    name: 'a set created and deleted within one flush emits nothing',
    before: [],
    after: [(s) => s.setCreated(A), (s) => s.memberAdded(A, '1'), (s) => s.setRemoved(A)],
    expected: [],
  },
  {
    name: 'membership changes of an existing set are a net delta',
    before: [(s) => s.setCreated(A), (s) => s.memberAdded(A, '1')],
    after: [
      (s) => s.memberAdded(A, '2'),
      (s) => s.memberRemoved(A, '1'),
      (s) => s.memberAdded(A, '3'),
      (s) => s.memberRemoved(A, '3'),
    ],
    expected: [{ type: 'IpSetDeltaUpdate', set: A, added: ['2'], removed: ['1'] }],
  },
  {
    name: 'changes that cancel out emit nothing',
    before: [(s) => s.setCreated(A), (s) => s.memberAdded(A, '1')],
    after: [(s) => s.memberRemoved(A, '1'), (s) => s.memberAdded(A, '1')],
    expected: [],
  },
  {
    name: 'a set deleted and recreated becomes a delta against its flushed members',
    before: [(s) => s.setCreated(A), (s) => s.memberAdded(A, '1'), (s) => s.memberAdded(A, '2')],
    after: [
      (s) => s.memberAdded(A, '9'),
      (s) => s.setRemoved(A),
      (s) => s.setCreated(A),
      (s) => s.memberAdded(A, '2'),
      (s) => s.memberAdded(A, '3'),
    ],
    expected: [{ type: 'IpSetDeltaUpdate', set: A, added: ['3'], removed: ['1'] }],
  },
  {
    name: 'an unchanged policy or endpoint is not re-sent',
    before: [(s) => s.policyUpdated(P, rules), (s) => s.endpointUpdated(endpoint(['1']))],
    after: [
      (s) => s.policyRemoved(P),
      (s) => s.policyUpdated(P, rules),
      (s) => s.endpointUpdated(endpoint(['1'])),
    ],
    expected: [],
  },
  {
    name: 'objects never flushed are not removed',
    before: [],
    after: [
      (s) => s.policyUpdated(P, rules),
      (s) => s.policyRemoved(P),
      (s) => s.endpointRemoved(E),
    ],
    expected: [],
  },
  {
    name: 'creations in dependency order, removals in reverse',
    before: [
      (s) => s.setCreated(B),
      (s) => s.policyUpdated({ ...P, name: 'old' }, rules),
      (s) => s.endpointUpdated({ ...endpoint([]), endpoint: { ...E, name: 'old' } }),
    ],
    after: [
      (s) => s.endpointRemoved({ ...E, name: 'old' }),
      (s) => s.endpointUpdated(endpoint(['1'])),
      (s) => s.setRemoved(B),
      (s) => s.policyRemoved({ ...P, name: 'old' }),
      (s) => s.policyUpdated(P, rules),
      (s) => s.setCreated(A),
    ],
    expected: [
      { type: 'IpSetUpdate', set: A, members: [] },
      { type: 'PolicyUpdate', policy: P, ...rules },
      endpoint(['1']),
      { type: 'EndpointRemove', endpoint: { ...E, name: 'old' } },
      { type: 'PolicyRemove', policy: { ...P, name: 'old' } },
      { type: 'IpSetRemove', set: B },
    ],
  },
];

describe('EventSequencer', () => {
  it.each(cases)('$name', ({ before, after, expected }) => {
    const s = new EventSequencer();
    before.forEach((step) => step(s));
    s.flush();
    after.forEach((step) => step(s));
    expect(s.flush()).toEqual(expected);
    expect(s.flush()).toEqual([]);
  });
});
