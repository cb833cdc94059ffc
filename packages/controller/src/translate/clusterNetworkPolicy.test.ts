import { ClusterPolicySchema, type ClusterPolicy } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import { cnpEgress, cnpIngress, cnpSet, makeClusterNetworkPolicy, type Tweak } from '../testing/builders.js';
import { translateClusterNetworkPolicy } from './clusterNetworkPolicy.js';
import type { KClusterNetworkPolicy } from './types.js';

function translate(...tweaks: Tweak<KClusterNetworkPolicy>[]): ClusterPolicy {
  const out = translateClusterNetworkPolicy(makeClusterNetworkPolicy('cnp', ...tweaks));
  expect(ClusterPolicySchema.parse(out)).toEqual(out);
  return out;
}
const spec = (...tweaks: Tweak<KClusterNetworkPolicy>[]): ClusterPolicy['spec'] => translate(...tweaks).spec;

const ALL_PODS = { pods: { namespaceSelector: {}, podSelector: {} } };
const accept = (to: unknown[], protocols?: unknown[]): Record<string, unknown> =>
  protocols ? { action: 'Accept', to, protocols } : { action: 'Accept', to };

describe('translateClusterNetworkPolicy: the whole object', () => {
  it('builds the stored value', () => {
    const cnp = makeClusterNetworkPolicy(
      'guard',
      (c) => (c.metadata!.uid = 'u-1'),
      cnpSet('tier', 'Baseline'),
      cnpSet('priority', 7),
      cnpSet('subject', { pods: { namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'db' } } } }),
      cnpIngress({ name: 'from-web', action: 'Accept', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }], protocols: [{ tcp: { destinationPort: { number: 5432 } } }] }),
      cnpIngress({ action: 'Deny', from: [{ namespaces: {} }] }),
      cnpEgress({ action: 'Pass', to: [{ networks: ['10.0.0.0/8'] }] }),
    );
    expect(translateClusterNetworkPolicy(cnp)).toEqual({
      apiVersion: 'palisade.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'guard', uid: 'u-1' },
      spec: {
        tier: 'Baseline',
        priority: 7,
        selector: "app == 'db' && ns:team == 'a'",
        ingress: [
          { name: 'from-web', action: 'Accept', peers: [{ selector: "app == 'web'" }], ports: [{ protocol: 'TCP', port: 5432 }] },
          { name: 'ingress[1]', action: 'Deny', peers: [{ selector: 'all()' }], ports: [] },
        ],
        egress: [{ name: 'egress[0]', action: 'Pass', peers: [{ cidr: '10.0.0.0/8', except: [] }], ports: [] }],
        warnings: [],
      },
    });
  });

  it.each([
    ['Admin', 0],
    ['Admin', 1000],
    ['Baseline', 500],
  ])('tier %s, priority %i', (tier, priority) => {
    const s = spec(cnpSet('tier', tier), cnpSet('priority', priority));
    expect([s.tier, s.priority, s.error]).toEqual([tier, priority, undefined]);
  });

  it('no rules: no rules in either direction', () => {
    expect(spec()).toMatchObject({ ingress: [], egress: [], warnings: [] });
    expect(spec(cnpSet('ingress', null), cnpSet('egress', []))).toMatchObject({ ingress: [], egress: [] });
  });

  it('throws only for a name that cannot be stored', () => {
    expect(() => translateClusterNetworkPolicy(makeClusterNetworkPolicy('Not_A_Name'))).toThrow(/cannot be stored/);
    expect(() => translateClusterNetworkPolicy({ spec: {} })).toThrow(/cannot be stored/);
  });
});

describe('translateClusterNetworkPolicy: subject', () => {
  it.each<[string, unknown, string]>([
    ['namespaces {}: every endpoint', { namespaces: {} }, 'all()'],
    ['namespaces by label', { namespaces: { matchLabels: { team: 'a' } } }, "ns:team == 'a'"],
    ['namespaces by name label', { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }, "ns:kubernetes.io/metadata.name == 'kube-system'"],
    ['namespaces by expression', { namespaces: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev', 'ci'] }] } }, "ns:env not in {'ci', 'dev'}"],
    ['namespaces Exists', { namespaces: { matchExpressions: [{ key: 'tenant', operator: 'Exists' }] } }, 'has(ns:tenant)'],
    ['pods in every namespace', { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }, "app == 'web'"],
    ['pods, namespaceSelector missing', { pods: { podSelector: { matchLabels: { app: 'web' } } } }, "app == 'web'"],
    ['pods {} {}: every endpoint', ALL_PODS, 'all()'],
    ['pods with both selectors', { pods: { namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }] } } }, "app in {'a', 'b'} && ns:team == 'a'"],
    ['pods DoesNotExist', { pods: { namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] } } }, '!has(canary)'],
    ['null fields are unset', { namespaces: { matchLabels: { team: 'a' } }, pods: null }, "ns:team == 'a'"],
  ])('%s', (_d, subject, selector) => {
    expect(spec(cnpSet('subject', subject)).selector).toBe(selector);
  });
});

describe('translateClusterNetworkPolicy: rules', () => {
  it.each<[string, unknown[], ClusterPolicy['spec']['egress'][number]['peers']]>([
    ['namespaces {}', [{ namespaces: {} }], [{ selector: 'all()' }]],
    ['namespaces by label', [{ namespaces: { matchLabels: { team: 'b' } } }], [{ selector: "ns:team == 'b'" }]],
    ['pods', [{ pods: { namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'x' } } } }], [{ selector: "app == 'x' && ns:team == 'b'" }]],
    ['several peers in order', [{ pods: { podSelector: {} } }, { namespaces: { matchLabels: { a: 'b' } } }], [{ selector: 'all()' }, { selector: "ns:a == 'b'" }]],
  ])('peers in both directions: %s', (_d, peers, expected) => {
    const s = spec(cnpIngress({ action: 'Accept', from: peers }), cnpEgress(accept(peers)));
    expect(s.ingress[0]?.peers).toEqual(expected);
    expect(s.egress[0]?.peers).toEqual(expected);
    expect(s.warnings).toEqual([]);
  });

  it.each<[string, unknown[], unknown[]]>([
    ['one CIDR', ['10.0.0.0/8'], [{ cidr: '10.0.0.0/8', except: [] }]],
    ['host bits cleared', ['10.1.2.3/16'], [{ cidr: '10.1.0.0/16', except: [] }]],
    ['IPv6 made canonical', ['FD00:0:0:0::1/64'], [{ cidr: 'fd00::/64', except: [] }]],
    ['several, duplicates once', ['0.0.0.0/0', '::/0', '0.0.0.0/0'], [{ cidr: '0.0.0.0/0', except: [] }, { cidr: '::/0', except: [] }]],
    ['a host', ['192.168.1.1/32'], [{ cidr: '192.168.1.1/32', except: [] }]],
  ])('egress networks: %s', (_d, networks, expected) => {
    expect(spec(cnpEgress(accept([{ networks }]))).egress[0]?.peers).toEqual(expected);
  });

  it.each<[string, unknown[], unknown[]]>([
    ['no protocols: every port', [], []],
    ['tcp number', [{ tcp: { destinationPort: { number: 443 } } }], [{ protocol: 'TCP', port: 443 }]],
    ['udp number', [{ udp: { destinationPort: { number: 53 } } }], [{ protocol: 'UDP', port: 53 }]],
    ['sctp number', [{ sctp: { destinationPort: { number: 9000 } } }], [{ protocol: 'SCTP', port: 9000 }]],
    ['tcp range', [{ tcp: { destinationPort: { range: { start: 30000, end: 32767 } } } }], [{ protocol: 'TCP', port: 30000, endPort: 32767 }]],
    ['udp range', [{ udp: { destinationPort: { range: { start: 1, end: 65535 } } } }], [{ protocol: 'UDP', port: 1, endPort: 65535 }]],
    ['sctp range', [{ sctp: { destinationPort: { range: { start: 100, end: 101 } } } }], [{ protocol: 'SCTP', port: 100, endPort: 101 }]],
    ['named port: each protocol', [{ destinationNamedPort: 'http' }], [{ protocol: 'TCP', port: 'http' }, { protocol: 'UDP', port: 'http' }, { protocol: 'SCTP', port: 'http' }]],
    ['several in order', [{ udp: { destinationPort: { number: 53 } } }, { tcp: { destinationPort: { number: 53 } } }], [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]],
  ])('protocols in both directions: %s', (_d, protocols, expected) => {
    const s = spec(cnpIngress({ action: 'Deny', from: [{ namespaces: {} }], protocols }), cnpEgress(accept([{ namespaces: {} }], protocols)));
    expect(s.ingress[0]?.ports).toEqual(expected);
    expect(s.egress[0]?.ports).toEqual(expected);
  });

  it('networks with a named port are kept (standard channel allows it)', () => {
    const s = spec(cnpEgress(accept([{ networks: ['10.0.0.0/8'] }], [{ destinationNamedPort: 'dns' }])));
    expect(s.egress[0]?.ports.map((p) => p.port)).toEqual(['dns', 'dns', 'dns']);
    expect(s.warnings).toEqual([]);
  });

  it.each([
    ['Accept', 'Accept'],
    ['Deny', 'Deny'],
    ['Pass', 'Pass'],
  ])('action %s', (action, expected) => {
    expect(spec(cnpIngress({ action, from: [{ namespaces: {} }] })).ingress[0]?.action).toBe(expected);
  });

  it('keeps rule order and names; unnamed rules are named by direction and index', () => {
    const s = spec(
      cnpIngress({ name: 'first', action: 'Pass', from: [{ namespaces: {} }] }, { action: 'Deny', from: [{ namespaces: {} }] }, { name: '', action: 'Accept', from: [{ namespaces: {} }] }),
      cnpEgress({ action: 'Accept', to: [{ namespaces: {} }] }, { name: 'x'.repeat(100), action: 'Deny', to: [{ namespaces: {} }] }),
    );
    expect(s.ingress.map((r) => [r.name, r.action])).toEqual([
      ['first', 'Pass'],
      ['ingress[1]', 'Deny'],
      ['ingress[2]', 'Accept'],
    ]);
    expect(s.egress.map((r) => r.name)).toEqual(['egress[0]', 'x'.repeat(100)]);
  });
});
