import { ClusterPolicySchema, type ClusterPolicy } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import { cnpEgress, cnpIngress, cnpSet, makeClusterNetworkPolicy, type Tweak } from '../testing/builders.js';
import { translateClusterNetworkPolicy } from './clusterNetworkPolicy.js';
import type { KClusterNetworkPolicy } from './types.js';

function spec(...tweaks: Tweak<KClusterNetworkPolicy>[]): ClusterPolicy['spec'] {
  const out = translateClusterNetworkPolicy(makeClusterNetworkPolicy('cnp', ...tweaks));
  expect(ClusterPolicySchema.parse(out)).toEqual(out);
  return out.spec;
}

const NS = { namespaces: {} };
const GOOD_PORT = { tcp: { destinationPort: { number: 80 } } };

/**
 * [case, direction, peers, protocols, the field the warning names (and why)]. Each
 * rule is tried as Accept (dropped: matches nothing), Deny and Pass (both: Deny all).
 */
const failing: [string, 'ingress' | 'egress', unknown[], unknown[] | undefined, string][] = [
  ['domainNames peer', 'egress', [{ domainNames: ['example.com'] }], undefined, 'to[0].domainNames: not supported'],
  ['nodes peer', 'egress', [NS, { nodes: { matchLabels: { role: 'cp' } } }], undefined, 'to[1].nodes: not supported'],
  ['networks in an ingress peer', 'ingress', [{ networks: ['10.0.0.0/8'] }], undefined, 'from[0].networks: not supported'],
  ['an unknown peer type', 'ingress', [{ serviceAccounts: { name: 'x' } }], undefined, 'from[0].serviceAccounts: not supported'],
  ['a peer with no field (newer CRD)', 'egress', [{}], undefined, 'to[0]: must set exactly one of namespaces, pods, networks'],
  ['a peer with two fields', 'ingress', [{ namespaces: {}, pods: { podSelector: {} } }], undefined, 'from[0]: must set exactly one of namespaces, pods'],
  ['a peer that is not an object', 'ingress', ['all'], undefined, 'from[0]: must be an object'],
  ['pods without podSelector', 'ingress', [{ pods: { namespaceSelector: {} } }], undefined, 'from[0].pods.podSelector: must be a label selector'],
  ['pods with an unknown field', 'egress', [{ pods: { podSelector: {}, nodeSelector: {} } }], undefined, 'to[0].pods.nodeSelector: not supported'],
  ['bad operator', 'ingress', [{ namespaces: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] } }], undefined, 'from[0].namespaces.matchExpressions[0].operator: unknown operator'],
  ['In without values', 'egress', [{ pods: { podSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } } }], undefined, 'to[0].pods.podSelector.matchExpressions[0].values: must be non-empty'],
  ['bad label key', 'ingress', [{ pods: { namespaceSelector: { matchLabels: { 'a b': 'c' } }, podSelector: {} } }], undefined, 'from[0].pods.namespaceSelector.matchLabels'],
  ['bad CIDR', 'egress', [{ networks: ['10.0.0.300/8'] }], undefined, 'to[0].networks[0]: "10.0.0.300/8" is not a valid CIDR'],
  ['CIDR without a prefix', 'egress', [{ networks: ['10.0.0.1'] }], undefined, 'to[0].networks[0]: "10.0.0.1" is not a valid CIDR'],
  ['empty networks', 'egress', [{ networks: [] }], undefined, 'to[0].networks: must be a non-empty list of CIDRs'],
  ['no peers', 'ingress', [], undefined, 'from: must list at least one peer'],
  ['an unknown protocol', 'ingress', [NS], [{ icmp: { type: 8 } }], 'protocols[0].icmp: not supported'],
  ['a protocol with no field', 'egress', [NS], [GOOD_PORT, {}], 'protocols[1]: must set exactly one of tcp, udp, sctp, destinationNamedPort'],
  ['a protocol with two fields', 'ingress', [NS], [{ tcp: { destinationPort: { number: 1 } }, udp: { destinationPort: { number: 1 } } }], 'protocols[0]: must set exactly one of'],
  ['tcp without destinationPort', 'ingress', [NS], [{ tcp: {} }], 'protocols[0].tcp: must set exactly one of destinationPort'],
  ['udp with an unknown field', 'egress', [NS], [{ udp: { sourcePort: { number: 5 } } }], 'protocols[0].udp.sourcePort: not supported'],
  ['a port with neither number nor range', 'ingress', [NS], [{ sctp: { destinationPort: {} } }], 'protocols[0].sctp.destinationPort: must set exactly one of number, range'],
  ['port 0', 'ingress', [NS], [{ tcp: { destinationPort: { number: 0 } } }], 'protocols[0].tcp.destinationPort.number: must be a port number'],
  ['port 65536', 'egress', [NS], [{ udp: { destinationPort: { number: 65536 } } }], 'protocols[0].udp.destinationPort.number: must be a port number'],
  ['a port as a string', 'egress', [NS], [{ tcp: { destinationPort: { number: '80' } } }], 'protocols[0].tcp.destinationPort.number: must be a port number'],
  ['range start = end', 'ingress', [NS], [{ tcp: { destinationPort: { range: { start: 80, end: 80 } } } }], 'protocols[0].tcp.destinationPort.range: start 80 must be less than end 80'],
  ['range start > end', 'egress', [NS], [{ udp: { destinationPort: { range: { start: 90, end: 80 } } } }], 'protocols[0].udp.destinationPort.range: start 90 must be less than end 80'],
  ['range without end', 'ingress', [NS], [{ tcp: { destinationPort: { range: { start: 80 } } } }], 'protocols[0].tcp.destinationPort.range.end: must be a port number'],
  ['bad named port', 'ingress', [NS], [{ destinationNamedPort: 'Not_A_Port' }], 'protocols[0].destinationNamedPort: "Not_A_Port" is not a valid port name'],
  ['protocols not a list', 'egress', [NS], { tcp: {} } as unknown as unknown[], 'protocols: must be a list'],
];

describe('translateClusterNetworkPolicy: rules fail closed', () => {
  it.each(failing)('%s', (_d, dir, peers, protocols, warning) => {
    const peersKey = dir === 'ingress' ? 'from' : 'to';
    const rule = (action: string): Record<string, unknown> => ({
      action,
      [peersKey]: peers,
      ...(protocols === undefined ? {} : { protocols }),
    });
    const tweak = dir === 'ingress' ? cnpIngress : cnpEgress;
    const good = { action: 'Deny', [peersKey]: [NS], protocols: [GOOD_PORT] };
    for (const action of ['Accept', 'Deny', 'Pass']) {
      const s = spec(tweak(good, rule(action), good));
      const consequence = action === 'Accept' ? 'the rule matches no traffic' : 'the rule denies all traffic';
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toContain(`spec.${dir}[1].${warning}`);
      expect(s.warnings[0]).toMatch(new RegExp(`; ${consequence}$`));
      expect(s.error).toBeUndefined();
      const names = s[dir].map((r) => r.name);
      const denyAll = { name: `${dir}[1]`, action: 'Deny', peers: [], ports: [] };
      if (action === 'Accept') expect(names).toEqual([`${dir}[0]`, `${dir}[2]`]);
      else expect(s[dir][1]).toEqual(denyAll);
      expect(s[dir === 'ingress' ? 'egress' : 'ingress']).toEqual([]);
    }
  });

  it('the example of the brief: a domainNames peer in the third egress rule', () => {
    const s = spec(
      cnpEgress(
        { action: 'Accept', to: [NS] },
        { action: 'Accept', to: [NS] },
        { name: 'dns-names', action: 'Deny', to: [{ domainNames: ['*.example.com'] }] },
      ),
    );
    expect(s.warnings).toEqual(['spec.egress[2].to[0].domainNames: not supported; the rule denies all traffic']);
    expect(s.egress[2]).toEqual({ name: 'dns-names', action: 'Deny', peers: [], ports: [] });
  });

  it('every offending field is named, each once', () => {
    const s = spec(cnpEgress({ action: 'Pass', to: [{ nodes: {} }, { domainNames: ['a.io'] }], protocols: [{ icmp: {} }] }));
    expect(s.warnings).toEqual([
      'spec.egress[0].to[0].nodes: not supported; the rule denies all traffic',
      'spec.egress[0].to[1].domainNames: not supported; the rule denies all traffic',
      'spec.egress[0].protocols[0].icmp: not supported; the rule denies all traffic',
    ]);
  });

  it.each<[string, unknown, string]>([
    ['unknown action', { action: 'Allow', from: [NS] }, 'spec.ingress[0].action: unknown action "Allow"; the rule denies all traffic'],
    ['missing action', { from: [NS] }, 'spec.ingress[0].action: unknown action undefined; the rule denies all traffic'],
    ['unknown rule field', { action: 'Accept', from: [NS], ports: [] }, 'spec.ingress[0].ports: not supported; the rule matches no traffic'],
    ['rule not an object', 'deny', 'spec.ingress[0]: must be an object; the rule denies all traffic'],
  ])('rule itself: %s', (_d, rule, warning) => {
    const s = spec(cnpIngress(rule));
    expect(s.warnings).toEqual([warning]);
    expect(s.ingress).toEqual(warning.endsWith('no traffic') ? [] : [{ name: 'ingress[0]', action: 'Deny', peers: [], ports: [] }]);
  });

  it('an Accept-only direction whose rules all fail leaves that direction alone', () => {
    const s = spec(cnpIngress({ action: 'Accept', from: [{ networks: ['1.0.0.0/8'] }] }));
    expect(s.ingress).toEqual([]);
    expect(s.warnings).toHaveLength(1);
  });
});

const DENY_IN = { name: 'ingress: invalid policy, denies all', action: 'Deny', peers: [], ports: [] };
const DENY_OUT = { name: 'egress: invalid policy, denies all', action: 'Deny', peers: [], ports: [] };
const IN = cnpIngress({ action: 'Accept', from: [NS] });
const OUT = cnpEgress({ action: 'Accept', to: [NS] });

/** [case, tweaks, error field, stored tier, priority, selector, ingress, egress] */
const invalid: [string, Tweak<KClusterNetworkPolicy>[], string, string, number, string, unknown[], unknown[]][] = [
  ['unknown tier', [cnpSet('tier', 'Platform'), IN], 'spec.tier', 'Admin', 10, 'all()', [DENY_IN], []],
  ['missing tier', [cnpSet('tier', undefined), OUT], 'spec.tier', 'Admin', 10, 'all()', [], [DENY_OUT]],
  ['priority -1', [cnpSet('priority', -1), cnpSet('tier', 'Baseline'), IN, OUT], 'spec.priority', 'Baseline', 0, 'all()', [DENY_IN], [DENY_OUT]],
  ['priority 1001', [cnpSet('priority', 1001), IN], 'spec.priority', 'Admin', 0, 'all()', [DENY_IN], []],
  ['priority 1.5', [cnpSet('priority', 1.5), IN], 'spec.priority', 'Admin', 0, 'all()', [DENY_IN], []],
  ['priority as a string', [cnpSet('priority', '5'), IN], 'spec.priority', 'Admin', 0, 'all()', [DENY_IN], []],
  ['subject with no field', [cnpSet('subject', {}), IN], 'spec.subject', 'Admin', 10, 'all()', [DENY_IN], []],
  ['subject with two fields', [cnpSet('subject', { namespaces: {}, pods: { podSelector: {} } }), OUT], 'spec.subject', 'Admin', 10, 'all()', [], [DENY_OUT]],
  ['subject with an unknown field', [cnpSet('subject', { nodes: {} }), IN], 'spec.subject.nodes', 'Admin', 10, 'all()', [DENY_IN], []],
  ['missing subject', [cnpSet('subject', undefined), IN], 'spec.subject', 'Admin', 10, 'all()', [DENY_IN], []],
  ['subject with a bad selector', [cnpSet('subject', { namespaces: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }), IN], 'spec.subject.namespaces.matchExpressions[0].values', 'Admin', 10, 'all()', [DENY_IN], []],
  ['subject pods without podSelector', [cnpSet('subject', { pods: { namespaceSelector: {} } }), IN], 'spec.subject.pods.podSelector', 'Admin', 10, 'all()', [DENY_IN], []],
  ['ingress not a list', [cnpSet('ingress', { action: 'Deny' }), OUT], 'spec.ingress', 'Admin', 10, 'all()', [DENY_IN], [DENY_OUT]],
  ['egress not a list', [cnpSet('egress', 'none'), cnpSet('subject', { namespaces: { matchLabels: { t: 'a' } } })], 'spec.egress', 'Admin', 10, "ns:t == 'a'", [], [DENY_OUT]],
  ['no rules: nothing to deny', [cnpSet('tier', 'Middle')], 'spec.tier', 'Admin', 10, 'all()', [], []],
];

describe('translateClusterNetworkPolicy: what cannot be translated sets error', () => {
  it.each(invalid)('%s', (_d, tweaks, field, tier, priority, selector, ingress, egress) => {
    const s = spec(...tweaks);
    expect(s.error?.field).toBe(field);
    expect(s.error?.message).not.toBe('');
    expect({ tier: s.tier, priority: s.priority, selector: s.selector, ingress: s.ingress, egress: s.egress }).toEqual({ tier, priority, selector, ingress, egress });
    expect(s.warnings).toEqual([]);
  });

  it('a spec that is not an object', () => {
    const out = translateClusterNetworkPolicy({ metadata: { name: 'x' }, spec: 'nope' as never });
    expect(out.spec).toEqual({ tier: 'Admin', priority: 0, selector: 'all()', ingress: [], egress: [], warnings: [], error: { field: 'spec', message: 'must be an object' } });
  });
});
