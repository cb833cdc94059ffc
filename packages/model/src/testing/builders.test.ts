import { describe, expect, it } from 'vitest';
import {
  AgentStatusSchema,
  EndpointSchema,
  NamespaceSchema,
  PolicySchema,
} from '../schema/index.js';
import {
  makeAgentStatus,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  stableTestIp,
} from './builders.js';

describe('builders', () => {
  it('build valid objects with sensible defaults', () => {
    const ep = makeEndpoint('prod', 'web-1');
    expect(EndpointSchema.parse(ep)).toEqual(ep);
    expect(ep.spec).toEqual({
      node: 'node-1',
      ips: [stableTestIp('prod', 'web-1')],
      labels: {},
      ports: [],
    });
    const pol = makePolicy('prod', 'deny');
    expect(PolicySchema.parse(pol)).toEqual(pol);
    expect(pol.spec).toMatchObject({
      selector: "pal:namespace == 'prod'",
      types: ['Ingress'],
      ingress: [],
    });
    expect(NamespaceSchema.parse(makeNamespace('prod', { team: 'a' })).spec.labels).toEqual({
      team: 'a',
    });
    expect(AgentStatusSchema.parse(makeAgentStatus('node-1')).status.inSync).toBe(true);
  });

  it('apply partial-spec and function tweaks in order', () => {
    const ep = makeEndpoint(
      'prod',
      'web-1',
      { labels: { app: 'web' }, ips: ['10.0.0.1'] },
      (e) => ({ ...e, metadata: { ...e.metadata, uid: 'u1' } }),
      { node: 'node-2' },
    );
    expect(ep).toMatchObject({
      metadata: { uid: 'u1' },
      spec: { node: 'node-2', ips: ['10.0.0.1'], labels: { app: 'web' } },
    });
    const pol = makePolicy('prod', 'p', {
      types: ['Egress'],
      egress: [{ peers: [{ cidr: '10.0.0.0/8' }] }],
    });
    expect(pol.spec.egress).toEqual([
      { action: 'Allow', ports: [], peers: [{ cidr: '10.0.0.0/8', except: [] }] },
    ]);
    expect(makeAgentStatus('n', { inSync: false }).status.inSync).toBe(false);
  });

  it('refuse to build an invalid object', () => {
    expect(() => makeEndpoint('prod', 'web-1', { ips: [] })).toThrow();
    expect(() => makeNamespace('Bad_Name')).toThrow();
  });

  it('derive stable, distinct test IPs', () => {
    expect(stableTestIp('prod', 'a')).toBe(stableTestIp('prod', 'a'));
    expect(stableTestIp('prod', 'a')).not.toBe(stableTestIp('prod', 'b'));
    expect(stableTestIp('prod', 'a')).toMatch(/^10\.\d+\.\d+\.\d+$/);
  });
});
