/**
 * Policies in plain words: "Allow ingress from pods matching app == 'web' in namespace
 * shop on TCP 80". A stored selector mixes the namespace restriction (pal:namespace,
 * ns:<label>) with pod labels; the words pull the two apart again.
 */
import { NAMESPACE_LABEL_PREFIX, NAMESPACE_NAME_LABEL, printSelector } from '@palisade/model';
import type { Peer, PortMatch, Rule, SelectorExpr } from '@palisade/model';
import type { Direction } from '../explain/types.js';

type Leaf = Exclude<SelectorExpr, { op: 'and' | 'or' | 'all' }>;

function namespaceNameWords(t: Leaf): string {
  switch (t.op) {
    case 'eq':
      return `in namespace ${t.value}`;
    case 'in':
      return `in namespaces ${t.values.join(', ')}`;
    case 'ne':
      return `in any namespace except ${t.value}`;
    case 'notin':
      return `in any namespace except ${t.values.join(', ')}`;
    case 'has':
      return 'in any namespace';
    case 'nothas':
      return 'in no namespace';
  }
}

const stripNs = (t: Leaf): Leaf => ({ ...t, key: t.key.slice(NAMESPACE_LABEL_PREFIX.length) });
const isLeaf = (t: SelectorExpr): t is Leaf => t.op !== 'and' && t.op !== 'or' && t.op !== 'all';

/** "pods matching app == 'web' in namespace shop"; null selector = one that does not parse. */
export function selectorWords(expr: SelectorExpr | null, text: string): string {
  if (expr === null) return `nothing (selector ${JSON.stringify(text)} does not parse)`;
  const terms = expr.op === 'and' ? expr.terms : expr.op === 'all' ? [] : [expr];
  if (!terms.every(isLeaf)) return `pods matching ${text}`;
  const nameTerms = terms.filter((t) => t.key === NAMESPACE_NAME_LABEL);
  const nsLabelTerms = terms.filter((t) => t.key.startsWith(NAMESPACE_LABEL_PREFIX));
  const podTerms = terms.filter((t) => t.key !== NAMESPACE_NAME_LABEL && !t.key.startsWith(NAMESPACE_LABEL_PREFIX));
  const pods = podTerms.length === 0 ? 'all pods' : `pods matching ${printSelector({ op: 'and', terms: podTerms })}`;
  const ns = [
    ...nameTerms.map(namespaceNameWords),
    ...(nsLabelTerms.length > 0
      ? [`in namespaces matching ${printSelector({ op: 'and', terms: nsLabelTerms.map(stripNs) })}`]
      : []),
  ];
  return `${pods} ${ns.length === 0 ? 'in any namespace' : ns.join(' and ')}`;
}

export function portWords(pm: PortMatch): string {
  if (pm.port === undefined) return `all ${pm.protocol} ports`;
  if (typeof pm.port === 'string') return `${pm.protocol} port named ${pm.port}`;
  return pm.endPort !== undefined && pm.endPort !== pm.port
    ? `${pm.protocol} ${pm.port}-${pm.endPort}`
    : `${pm.protocol} ${pm.port}`;
}

export function portsWords(ports: PortMatch[]): string {
  return ports.length === 0 ? 'on any port' : `on ${ports.map(portWords).join(', ')}`;
}

export function peerWords(peer: Peer, parse: (text: string) => SelectorExpr | null): string {
  if ('selector' in peer) return selectorWords(parse(peer.selector), peer.selector);
  return peer.except.length === 0 ? peer.cidr : `${peer.cidr} except ${peer.except.join(', ')}`;
}

export function ruleWords(
  rule: Pick<Rule, 'peers' | 'ports'> & { action: string },
  direction: Direction,
  parse: (text: string) => SelectorExpr | null,
): string {
  const prep = direction === 'ingress' ? 'from' : 'to';
  const peers = rule.peers.length === 0 ? 'anywhere' : rule.peers.map((p) => peerWords(p, parse)).join(' or ');
  return `${rule.action} ${direction} ${prep} ${peers} ${portsWords(rule.ports)}`;
}
