/**
 * The rule scanner proper: one policy's rules as RuleSpecs plus the ipsets they use.
 * Pure; the PolicyRulesCalculator owns the reference counting.
 *
 * Failing closed: a peer selector that cannot be parsed is dropped from the rule (a
 * rule whose every peer is dropped keeps `peers: []` and never matches), and a policy
 * with `spec.error` keeps its isolation but none of its allows.
 */
import type { PortMatch, Rule, Policy } from '@palisade/model';
import { ALL_SELECTOR } from '@palisade/model';
import type { PeerMatch, PortSpec, RuleSpec } from '../messages.js';
import type { IpBlock } from './cidrUnion.js';
import {
  cidrSet,
  ipSetIdOf,
  ipSetKey,
  namedPortSet,
  selectorSet,
  type IpSetDef,
} from './ipSetDefs.js';
import type { ParsedSelector, SelectorCache } from './selectorCache.js';

export interface ScannedPolicy {
  inbound: RuleSpec[] | null;
  outbound: RuleSpec[] | null;
  /** Every set the rules reference, by key. */
  sets: Map<string, IpSetDef>;
}

interface ScanContext {
  selectors: SelectorCache;
  policySelector: ParsedSelector;
  sets: Map<string, IpSetDef>;
}

function use(ctx: ScanContext, def: IpSetDef): IpSetDef {
  const key = ipSetKey(ipSetIdOf(def));
  const existing = ctx.sets.get(key);
  if (existing) return existing;
  ctx.sets.set(key, def);
  return def;
}

/**
 * Selector peers each use their selector's set; every IP-block peer of the rule goes
 * into one hash:net set, so a rule costs one match per selector plus one for all its
 * blocks, however many blocks it lists.
 */
function scanPeers(rule: Rule, ctx: ScanContext): PeerMatch[] | null {
  if (rule.peers.length === 0) return null;
  const peers: PeerMatch[] = [];
  const blocks: IpBlock[] = [];
  for (const peer of rule.peers) {
    if ('selector' in peer) {
      const sel = ctx.selectors.parse(peer.selector);
      if (sel) peers.push({ kind: 'ipset', set: ipSetIdOf(use(ctx, selectorSet(sel))) });
    } else blocks.push(peer);
  }
  if (blocks.length > 0) peers.push({ kind: 'ipset', set: ipSetIdOf(use(ctx, cidrSet(blocks))) });
  return peers;
}

/**
 * Where a named port resolves: on the policy's own endpoints for ingress; on each
 * selector peer for egress, plus every endpoint when the rule also admits peers that
 * are not selectors (any peer, or IP blocks), since those may still be pods.
 */
function namedPortSources(
  rule: Rule,
  direction: 'ingress' | 'egress',
  ctx: ScanContext,
): ParsedSelector[] {
  if (direction === 'ingress') return [ctx.policySelector];
  const sources = new Map<string, ParsedSelector>();
  for (const peer of rule.peers) {
    if (!('selector' in peer)) continue;
    const sel = ctx.selectors.parse(peer.selector);
    if (sel) sources.set(sel.text, sel);
  }
  if (rule.peers.length === 0 || rule.peers.some((p) => !('selector' in p))) {
    const all = ctx.selectors.parse(ALL_SELECTOR);
    if (all) sources.set(all.text, all);
  }
  return [...sources.values()];
}

function scanPort(
  port: PortMatch,
  rule: Rule,
  direction: 'ingress' | 'egress',
  ctx: ScanContext,
): PortSpec[] {
  const protocol = port.protocol;
  if (port.port === undefined) return [{ kind: 'protocol', protocol }];
  if (typeof port.port === 'number')
    return [{ kind: 'range', protocol, port: port.port, endPort: port.endPort ?? port.port }];
  const portName = port.port;
  return namedPortSources(rule, direction, ctx).map((selector) => {
    const def = use(
      ctx,
      namedPortSet({ selector, protocol, portName, destination: direction === 'ingress' }),
    );
    return { kind: 'named', protocol, set: ipSetIdOf(def) };
  });
}

function scanRule(rule: Rule, direction: 'ingress' | 'egress', ctx: ScanContext): RuleSpec {
  return {
    action: rule.action,
    peers: scanPeers(rule, ctx),
    ports:
      rule.ports.length === 0 ? null : rule.ports.flatMap((p) => scanPort(p, rule, direction, ctx)),
  };
}

export function scanPolicy(policy: Policy, selectors: SelectorCache): ScannedPolicy {
  const ctx: ScanContext = {
    selectors,
    policySelector: selectors.policySelector(policy),
    sets: new Map(),
  };
  const { spec } = policy;
  const failed = spec.error !== undefined;
  const direction = (type: 'Ingress' | 'Egress', rules: Rule[]): RuleSpec[] | null => {
    if (!spec.types.includes(type)) return null;
    if (failed) return [];
    return rules.map((r) => scanRule(r, type === 'Ingress' ? 'ingress' : 'egress', ctx));
  };
  return {
    inbound: direction('Ingress', spec.ingress),
    outbound: direction('Egress', spec.egress),
    sets: ctx.sets,
  };
}
