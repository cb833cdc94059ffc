import { describe, expect, it } from 'vitest';
import { parseSelector, peerSelector, policySelector } from '@palisade/model';
import type { Rule } from '@palisade/model';
import { RuleSchema } from '@palisade/model';
import { ruleWords, selectorWords } from './words.js';

const words = (text: string): string => selectorWords(parseSelector(text), text);
const parse = (t: string) => {
  try {
    return parseSelector(t);
  } catch {
    return null;
  }
};

describe('selectorWords', () => {
  it.each([
    [policySelector({}, 'shop'), 'all pods in namespace shop'],
    [policySelector({ matchLabels: { app: 'web' } }, 'shop'), "pods matching app == 'web' in namespace shop"],
    [peerSelector({ namespaceSelector: { matchLabels: { team: 'blue' } } }, 'shop'), "all pods in namespaces matching team == 'blue'"],
    [peerSelector({ namespaceSelector: {}, podSelector: { matchLabels: { role: 'db' } } }, 'shop'), "pods matching role == 'db' in any namespace"],
    ["pal:namespace in {'a', 'b'} && has(x)", 'pods matching has(x) in namespaces a, b'],
    ["app == 'a' || app == 'b'", "pods matching app == 'a' || app == 'b'"],
    ['all()', 'all pods in any namespace'],
  ])('%s', (text, want) => expect(words(text)).toBe(want));

  it('says so when a selector does not parse', () => {
    expect(selectorWords(null, 'app ==')).toBe('nothing (selector "app ==" does not parse)');
  });
});

describe('ruleWords', () => {
  const rule = (r: unknown): Rule => RuleSchema.parse(r);
  it.each([
    [rule({}), 'ingress', 'Allow ingress from anywhere on any port'],
    [
      rule({ ports: [{ port: 80 }], peers: [{ selector: peerSelector({ podSelector: { matchLabels: { app: 'web' } } }, 'x') }] }),
      'ingress',
      "Allow ingress from pods matching app == 'web' in namespace x on TCP 80",
    ],
    [rule({ ports: [{ protocol: 'UDP', port: 53 }, { port: 8000, endPort: 8080 }], peers: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }] }), 'egress', 'Allow egress to 10.0.0.0/8 except 10.1.0.0/16 on UDP 53, TCP 8000-8080'],
    [rule({ ports: [{ port: 'http' }, { protocol: 'SCTP' }] }), 'ingress', 'Allow ingress from anywhere on TCP port named http, all SCTP ports'],
    [rule({ action: 'Deny', peers: [{ cidr: '0.0.0.0/0' }, { selector: 'all()' }] }), 'egress', 'Deny egress to 0.0.0.0/0 or all pods in any namespace on any port'],
  ] as const)('%#: %s', (r, dir, want) => expect(ruleWords(r, dir, parse)).toBe(want));
});
