import { PolicySchema, type LabelSelector, type Policy } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import {
  egress,
  ingress,
  makeNetworkPolicy,
  podSelector,
  policyTypes,
  withSpec,
  type Tweak,
} from '../testing/builders.js';
import { translateNetworkPolicy } from './networkPolicy.js';
import type { KNetworkPolicy } from './types.js';

const NS_SEL = "pal:namespace == 'ns1'";
const spec = (...tweaks: Tweak<KNetworkPolicy>[]): Policy['spec'] =>
  translateNetworkPolicy(makeNetworkPolicy('p', 'ns1', ...tweaks)).policy.spec;

describe('translateNetworkPolicy: metadata and shape', () => {
  it('produces a valid Policy with metadata, uid and order 1000', () => {
    const np = makeNetworkPolicy('web-allow', 'ns1', (p) => (p.metadata!.uid = 'u-1'));
    const { policy } = translateNetworkPolicy(np);
    expect(PolicySchema.parse(policy)).toEqual(policy);
    expect(policy).toEqual({
      apiVersion: 'palisade.io/v1',
      kind: 'Policy',
      metadata: { namespace: 'ns1', name: 'web-allow', uid: 'u-1' },
      spec: { order: 1000, selector: NS_SEL, types: ['Ingress'], ingress: [], egress: [] },
    });
  });

  it.each([
    ['missing name', { metadata: { namespace: 'ns1' } }],
    ['bad namespace', { metadata: { name: 'p', namespace: 'NS_1' } }],
  ])('throws for unusable metadata: %s', (_d, np: KNetworkPolicy) => {
    expect(() => translateNetworkPolicy(np)).toThrow(/cannot be stored/);
  });
});

describe('translateNetworkPolicy: policyTypes defaulting', () => {
  const allowAll = {};
  it.each<[string, Tweak<KNetworkPolicy>[], string[], number, number]>([
    ['missing, no rules', [], ['Ingress'], 0, 0],
    ['missing, ingress rules only', [ingress(allowAll)], ['Ingress'], 1, 0],
    ['missing, empty egress list', [withSpec((s) => (s.egress = []))], ['Ingress'], 0, 0],
    ['missing, egress rules', [egress(allowAll)], ['Ingress', 'Egress'], 0, 1],
    ['null', [withSpec((s) => (s.policyTypes = null)), egress(allowAll)], ['Ingress', 'Egress'], 0, 1],
    ['explicit empty list = missing', [policyTypes(), egress(allowAll)], ['Ingress', 'Egress'], 0, 1],
    ['explicit Egress only drops ingress rules', [policyTypes('Egress'), ingress(allowAll)], ['Egress'], 0, 0],
    ['explicit Ingress only drops egress rules', [policyTypes('Ingress'), egress(allowAll)], ['Ingress'], 0, 0],
    ['explicit both, canonical order', [policyTypes('Egress', 'Ingress')], ['Ingress', 'Egress'], 0, 0],
    ['duplicates collapse', [policyTypes('Egress', 'Egress')], ['Egress'], 0, 0],
  ])('%s', (_d, tweaks, types, nIngress, nEgress) => {
    const s = spec(...tweaks);
    expect(s.types).toEqual(types);
    expect(s.ingress).toHaveLength(nIngress);
    expect(s.egress).toHaveLength(nEgress);
    expect(s.error).toBeUndefined();
  });
});

describe('translateNetworkPolicy: empty versus missing', () => {
  const all: Policy['spec']['ingress'][number] = { action: 'Allow', ports: [], peers: [] };
  it.each<[string, Tweak<KNetworkPolicy>[], Policy['spec']['ingress']]>([
    ['no ingress rules (deny all)', [withSpec((s) => (s.ingress = []))], []],
    ['missing ingress', [], []],
    ['rule {} allows all', [ingress({})], [all]],
    ['from: [] and ports: [] mean all', [ingress({ from: [], ports: [] })], [all]],
    ['from: null and ports: null mean all', [ingress({ from: null, ports: null })], [all]],
  ])('%s', (_d, tweaks, expected) => {
    expect(spec(...tweaks).ingress).toEqual(expected);
  });

  it('egress to: [] means all destinations', () => {
    expect(spec(egress({ to: [] })).egress).toEqual([all]);
  });
});

describe('translateNetworkPolicy: selectors', () => {
  it.each<[string, LabelSelector | undefined, string]>([
    ['empty podSelector = whole namespace', {}, NS_SEL],
    ['missing podSelector = whole namespace', undefined, NS_SEL],
    ['matchLabels', { matchLabels: { app: 'web' } }, "app == 'web' && pal:namespace == 'ns1'"],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, "pal:namespace == 'ns1' && tier in {'a', 'b'}"],
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['b', 'a'] }] }, "pal:namespace == 'ns1' && tier not in {'a', 'b'}"],
    ['NotIn, one value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, "pal:namespace == 'ns1' && tier != 'a'"],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, "has(tier) && pal:namespace == 'ns1'"],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: [] }] }, "!has(tier) && pal:namespace == 'ns1'"],
  ])('podSelector: %s', (_d, sel, expected) => {
    expect(spec(podSelector(sel)).selector).toBe(expected);
  });

  it.each([
    ['podSelector only: same namespace', { podSelector: { matchLabels: { role: 'db' } } }, "pal:namespace == 'ns1' && role == 'db'"],
    ['empty podSelector: all pods of the namespace', { podSelector: {} }, NS_SEL],
    ['namespaceSelector only', { namespaceSelector: { matchLabels: { team: 'x' } } }, "ns:team == 'x'"],
    ['empty namespaceSelector: everything', { namespaceSelector: {} }, 'all()'],
    [
      'both combined',
      { namespaceSelector: { matchLabels: { team: 'x' } }, podSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } },
      "has(a) && ns:team == 'x'",
    ],
  ])('peer: %s', (_d, peer, expected) => {
    expect(spec(ingress({ from: [peer] })).ingress[0]?.peers).toEqual([{ selector: expected }]);
    expect(spec(egress({ to: [peer] })).egress[0]?.peers).toEqual([{ selector: expected }]);
  });
});

describe('translateNetworkPolicy: ipBlock', () => {
  it.each([
    ['IPv4 as is', { cidr: '10.0.0.0/8' }, { cidr: '10.0.0.0/8', except: [] }],
    ['IPv4 host bits masked', { cidr: '10.1.2.3/8', except: ['10.1.2.3/16'] }, { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }],
    ['IPv4 /32 and /0', { cidr: '0.0.0.0/0', except: ['192.168.1.1/32'] }, { cidr: '0.0.0.0/0', except: ['192.168.1.1/32'] }],
    ['IPv4 odd prefix', { cidr: '172.16.255.255/12' }, { cidr: '172.16.0.0/12', except: [] }],
    ['IPv6 canonical', { cidr: '2001:DB8:0:0:0:0:0:0/32' }, { cidr: '2001:db8::/32', except: [] }],
    ['IPv6 masked', { cidr: '2001:db8:abcd:12::1/48', except: ['2001:db8:abcd:12::1/64'] }, { cidr: '2001:db8:abcd::/48', except: ['2001:db8:abcd:12::/64'] }],
    ['IPv6 ::/0', { cidr: '::/0', except: ['fd00::/8'] }, { cidr: '::/0', except: ['fd00::/8'] }],
    ['IPv6 longest zero run', { cidr: '2001:0:0:1:0:0:0:1/128' }, { cidr: '2001:0:0:1::1/128', except: [] }],
  ])('%s', (_d, ipBlock, expected) => {
    expect(spec(ingress({ from: [{ ipBlock }] })).ingress[0]?.peers).toEqual([expected]);
    expect(spec(egress({ to: [{ ipBlock }] })).egress[0]?.peers).toEqual([expected]);
  });
});

describe('translateNetworkPolicy: ports', () => {
  it.each([
    ['protocol defaults to TCP', { port: 80 }, { protocol: 'TCP', port: 80 }],
    ['TCP', { protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 443 }],
    ['UDP', { protocol: 'UDP', port: 53 }, { protocol: 'UDP', port: 53 }],
    ['SCTP', { protocol: 'SCTP', port: 9000 }, { protocol: 'SCTP', port: 9000 }],
    ['named port', { port: 'http' }, { protocol: 'TCP', port: 'http' }],
    ['protocol only: all ports', { protocol: 'UDP' }, { protocol: 'UDP' }],
    ['empty port object: all TCP ports', {}, { protocol: 'TCP' }],
    ['endPort range', { port: 32000, endPort: 32768 }, { protocol: 'TCP', port: 32000, endPort: 32768 }],
    ['endPort equal to port', { protocol: 'UDP', port: 5000, endPort: 5000 }, { protocol: 'UDP', port: 5000, endPort: 5000 }],
    ['null fields are missing', { protocol: null, port: 8080, endPort: null }, { protocol: 'TCP', port: 8080 }],
  ])('%s', (_d, port, expected) => {
    expect(spec(ingress({ ports: [port] })).ingress[0]?.ports).toEqual([expected]);
    expect(spec(egress({ ports: [port] })).egress[0]?.ports).toEqual([expected]);
  });

  it('keeps several ports and peers in order', () => {
    const s = spec(ingress({ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }], from: [{ podSelector: {} }, { ipBlock: { cidr: '1.2.3.4/32' } }] }));
    expect(s.ingress).toEqual([
      {
        action: 'Allow',
        ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }],
        peers: [{ selector: NS_SEL }, { cidr: '1.2.3.4/32', except: [] }],
      },
    ]);
  });
});
