import { PolicySchema } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import { egress, ingress, makeNetworkPolicy, podSelector, policyTypes, withSpec, type Tweak } from '../testing/builders.js';
import { translateNetworkPolicy } from './networkPolicy.js';
import type { KNetworkPolicy } from './types.js';

const NS_SEL = "pal:namespace == 'ns1'";
const WEB = "app == 'web' && pal:namespace == 'ns1'";
const web = podSelector({ matchLabels: { app: 'web' } });

/** [case, tweaks, error field, selector kept, types kept] */
const cases: [string, Tweak<KNetworkPolicy>[], string, string, string[]][] = [
  ['bad operator in podSelector', [podSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })], 'spec.podSelector.matchExpressions[0].operator', NS_SEL, ['Ingress']],
  ['In without values', [podSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })], 'spec.podSelector.matchExpressions[0].values', NS_SEL, ['Ingress']],
  ['Exists with values', [podSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })], 'spec.podSelector.matchExpressions[0].values', NS_SEL, ['Ingress']],
  ['label key the selector language cannot hold', [podSelector({ matchLabels: { 'a b': 'x' } })], 'spec.podSelector.matchLabels', NS_SEL, ['Ingress']],
  ['bad operator in a peer namespaceSelector', [web, ingress({ from: [{ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] } }] })], 'spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].operator', WEB, ['Ingress']],
  ['bad operator in a peer podSelector', [web, egress({ to: [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'exists' }] } }] })], 'spec.egress[0].to[0].podSelector.matchExpressions[0].operator', WEB, ['Ingress', 'Egress']],
  ['peer with nothing', [web, ingress({ from: [{}] })], 'spec.ingress[0].from[0]', WEB, ['Ingress']],
  ['ipBlock with a selector', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] })], 'spec.ingress[0].from[0]', WEB, ['Ingress']],
  ['bad CIDR', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.300/8' } }] })], 'spec.ingress[0].from[0].ipBlock.cidr', WEB, ['Ingress']],
  ['CIDR without prefix', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.1' } }] })], 'spec.ingress[0].from[0].ipBlock.cidr', WEB, ['Ingress']],
  ['IPv4 prefix too long', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] })], 'spec.ingress[0].from[0].ipBlock.cidr', WEB, ['Ingress']],
  ['IPv6 with two ::', [web, egress({ to: [{ ipBlock: { cidr: '2001::db8::/64' } }] })], 'spec.egress[0].to[0].ipBlock.cidr', WEB, ['Ingress', 'Egress']],
  ['leading zeros in IPv4', [web, ingress({ from: [{ ipBlock: { cidr: '010.0.0.0/8' } }] })], 'spec.ingress[0].from[0].ipBlock.cidr', WEB, ['Ingress']],
  ['bad except', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['nope'] } }] })], 'spec.ingress[0].from[0].ipBlock.except[0]', WEB, ['Ingress']],
  ['except outside cidr', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } }] })], 'spec.ingress[0].from[0].ipBlock.except[0]', WEB, ['Ingress']],
  ['except equal to cidr', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] } }] })], 'spec.ingress[0].from[0].ipBlock.except[0]', WEB, ['Ingress']],
  ['except of the other family', [web, ingress({ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['fd00::/64'] } }] })], 'spec.ingress[0].from[0].ipBlock.except[0]', WEB, ['Ingress']],
  ['unknown protocol', [web, ingress({ ports: [{ protocol: 'ICMP' }] })], 'spec.ingress[0].ports[0].protocol', WEB, ['Ingress']],
  ['lowercase protocol', [web, ingress({ ports: [{ protocol: 'tcp', port: 80 }] })], 'spec.ingress[0].ports[0].protocol', WEB, ['Ingress']],
  ['port 0', [web, ingress({ ports: [{ port: 0 }] })], 'spec.ingress[0].ports[0].port', WEB, ['Ingress']],
  ['port too large', [web, ingress({ ports: [{ port: 70000 }] })], 'spec.ingress[0].ports[0].port', WEB, ['Ingress']],
  ['numeric string port', [web, ingress({ ports: [{ port: '80' }] })], 'spec.ingress[0].ports[0].port', WEB, ['Ingress']],
  ['bad port name', [web, ingress({ ports: [{ port: 'Http_Port' }] })], 'spec.ingress[0].ports[0].port', WEB, ['Ingress']],
  ['endPort < port', [web, ingress({ ports: [{ port: 100, endPort: 99 }] })], 'spec.ingress[0].ports[0].endPort', WEB, ['Ingress']],
  ['endPort with named port', [web, egress({ ports: [{ port: 'http', endPort: 99 }] })], 'spec.egress[0].ports[0].endPort', WEB, ['Ingress', 'Egress']],
  ['endPort without port', [web, ingress({ ports: [{ endPort: 99 }] })], 'spec.ingress[0].ports[0].endPort', WEB, ['Ingress']],
  ['second rule broken', [web, ingress({}, { ports: [{ port: 80 }, { port: 5, endPort: 1 }] })], 'spec.ingress[1].ports[1].endPort', WEB, ['Ingress']],
  ['unknown policy type: both types', [web, policyTypes('Ingress', 'Sideways')], 'spec.policyTypes[1]', WEB, ['Ingress', 'Egress']],
  ['broken rule of an undeclared type', [web, policyTypes('Egress'), ingress({ ports: [{ protocol: 'XTP' }] })], 'spec.ingress[0].ports[0].protocol', WEB, ['Egress']],
  ['rules not a list', [web, withSpec((s) => ((s as Record<string, unknown>).ingress = { from: [] }))], 'spec.ingress', WEB, ['Ingress']],
  ['podSelector not an object', [podSelector('app=web' as never)], 'spec.podSelector', NS_SEL, ['Ingress']],
];

describe('translateNetworkPolicy: invalid policies fail closed', () => {
  it.each(cases)('%s', (_d, tweaks, field, selector, types) => {
    const { policy } = translateNetworkPolicy(makeNetworkPolicy('p', 'ns1', ...tweaks));
    expect(PolicySchema.parse(policy)).toEqual(policy);
    expect(policy.spec.error?.field).toBe(field);
    expect(policy.spec.error?.message).toEqual(expect.any(String));
    expect(policy.spec.selector).toBe(selector);
    expect(policy.spec.types).toEqual(types);
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([]);
  });

  it('names the problem in the message', () => {
    const { policy } = translateNetworkPolicy(makeNetworkPolicy('p', 'ns1', ingress({ ports: [{ port: 100, endPort: 99 }] })));
    expect(policy.spec.error?.message).toBe('endPort 99 must be >= port 100');
  });
});
