import { isPalisadeError } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import {
  accessPlan,
  describePermission,
  nodeAgentName,
  nodeAgentRole,
  permissionRange,
  prefixEnd,
  type KeyPermission,
} from './access.js';

const describeRole = (perms: KeyPermission[]): string[] => perms.map(describePermission);

describe('accessPlan', () => {
  it('the shared identities: exactly the table of docs/security.md', () => {
    const plan = accessPlan();
    expect(
      Object.fromEntries(plan.roles.map((r) => [r.name, describeRole(r.permissions)])),
    ).toEqual({
      'palisade-controller': [
        'read /palisade/ (prefix)',
        'write /palisade/v1/policy/ (prefix)',
        'write /palisade/v1/clusterpolicy/ (prefix)',
        'write /palisade/v1/namespace/ (prefix)',
        'write /palisade/v1/endpoint/ (prefix)',
        'write /palisade/v1/controller/leader',
        'write /palisade/v1/controller/last-delete',
      ],
      'palisade-agent': ['read /palisade/v1/ (prefix)', 'write /palisade/v1/agent/ (prefix)'],
      'palisade-cli': ['read /palisade/ (prefix)'],
    });
    expect(plan.users).toEqual(plan.roles.map((r) => ({ name: r.name, roles: [r.name] })));
  });

  it('a per-node identity writes exactly its own status key', () => {
    expect(nodeAgentName('node-a')).toBe('palisade-agent-node-a');
    expect(describeRole(nodeAgentRole('node-a').permissions)).toEqual([
      'read /palisade/v1/ (prefix)',
      'write /palisade/v1/agent/node-a',
    ]);
    expect(accessPlan(['node-a', 'node-b']).users.map((u) => u.name)).toEqual([
      'palisade-controller',
      'palisade-agent',
      'palisade-cli',
      'palisade-agent-node-a',
      'palisade-agent-node-b',
    ]);
  });

  it.each(['Node_A', '', 'a/b', '../x'])('rejects the node name %j', (node) => {
    let err: unknown;
    try {
      nodeAgentName(node);
    } catch (e) {
      err = e;
    }
    expect(isPalisadeError(err, 'INVALID_INPUT')).toBe(true);
  });
});

describe('permission ranges', () => {
  it.each([
    ['/palisade/', '/palisade0'],
    ['/palisade/v1/agent/', '/palisade/v1/agent0'],
  ])('prefix %s ends before %s', (prefix, end) => {
    expect(prefixEnd(prefix).toString()).toBe(end);
  });

  it('a single key has an empty range end', () => {
    const r = permissionRange({ type: 'Write', key: '/palisade/v1/agent/n', prefix: false });
    expect(r).toEqual({ key: Buffer.from('/palisade/v1/agent/n'), rangeEnd: Buffer.alloc(0) });
  });
});
