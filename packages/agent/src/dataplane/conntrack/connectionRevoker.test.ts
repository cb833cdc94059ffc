import { describe, expect, it } from 'vitest';
import { silentLogger } from '@palisade/common';
import type { CalcMessage, EndpointUpdate, PolicyUpdate } from '../../messages.js';
import {
  allow,
  isolatedBy,
  makeEndpoint,
  makePolicy,
  peerSet,
  sel,
} from '../../testing/dataplaneBuilders.js';
import type { Exec } from '../exec.js';
import { ConnectionRevoker, type DesiredState } from './connectionRevoker.js';

const A = '10.0.0.2';
const B = '10.0.0.3';
const C = '10.0.0.4';
const entry = (src: string, dst: string, sport: number, dport: number): string =>
  `tcp      6 431999 ESTABLISHED src=${src} dst=${dst} sport=${sport} dport=${dport} src=${dst} dst=${src} sport=${dport} dport=${sport} [ASSURED] mark=0 use=1`;
const TABLE = [entry(A, B, 40000, 80), entry(C, B, 40001, 80), entry(C, '10.9.9.9', 40002, 443)];

function fakeExec(table: string[], fail = false): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  const exec: Exec = (cmd, args) => {
    calls.push([cmd, ...args]);
    if (fail) return Promise.resolve({ code: 1, stdout: '', stderr: 'Operation not permitted' });
    if (args[0] === '-L')
      return Promise.resolve({
        code: 0,
        stdout: args[2] === 'ipv4' ? table.join('\n') : '',
        stderr: '',
      });
    return Promise.resolve({ code: 0, stdout: '', stderr: '1 flow entries have been deleted.' });
  };
  return { exec, calls };
}

const FROM_A = sel('app==a');
function state(
  endpoints: EndpointUpdate[],
  policies: PolicyUpdate[],
  fromA: string[],
): DesiredState {
  return {
    endpoints: () => endpoints,
    policy: (ref) => policies.find((p) => p.policy.name === ref.name),
    members: (set) => new Set(set.identity === FROM_A.identity ? fromA : []),
  };
}
const bOnlyFromA = state(
  [makeEndpoint('b', [B], { ingress: isolatedBy('p') })],
  [makePolicy('p', { inbound: [allow([peerSet(FROM_A)])] })],
  [A],
);
const deletes = (calls: string[][]): string[] =>
  calls.filter((c) => c[1] === '-D').map((c) => c.slice(1).join(' '));

function revoker(exec: Exec): ConnectionRevoker {
  return new ConnectionRevoker({ exec, logger: silentLogger(), families: [4, 6] });
}

describe('ConnectionRevoker', () => {
  it('first check covers everything and deletes only refused connections', async () => {
    const { exec, calls } = fakeExec(TABLE);
    const r = revoker(exec);
    expect(await r.revoke(bOnlyFromA)).toMatchObject({ checked: 3, revoked: 1 });
    expect(deletes(calls)).toEqual([
      '-D -f ipv4 -p tcp --orig-src 10.0.0.4 --orig-dst 10.0.0.3 --sport 40001 --dport 80',
    ]);
  });

  it.each<[string, CalcMessage[], number | null]>([
    [
      'nothing that narrows: no listing at all',
      [{ type: 'IpSetDeltaUpdate', set: FROM_A, added: [C], removed: [] }],
      null,
    ],
    ['an endpoint update checks that endpoint', [makeEndpoint('b', [B])], 2],
    [
      'a peer leaving a set checks its connections',
      [{ type: 'IpSetDeltaUpdate', set: FROM_A, added: [], removed: [A] }],
      1,
    ],
    ['a policy change checks everything', [makePolicy('p')], 3],
  ])('%s', async (_name, msgs, checked) => {
    const { exec, calls } = fakeExec(TABLE);
    const r = revoker(exec);
    await r.revoke(bOnlyFromA);
    calls.length = 0;
    r.observe(msgs);
    const res = await r.revoke(bOnlyFromA);
    expect(res?.checked ?? null).toBe(checked);
    if (checked === null) expect(calls).toEqual([]);
  });

  it('keeps the scope of a failed check for the next one', async () => {
    const failing = fakeExec(TABLE, true);
    const r = revoker(failing.exec);
    await expect(r.revoke(bOnlyFromA)).rejects.toThrow(/conntrack -L failed/);
    expect(r.pending()).toBe(true);
  });
});
