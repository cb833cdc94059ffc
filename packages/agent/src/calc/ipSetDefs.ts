/**
 * What an ipset holds, as the rule scanner asks for it, and how one endpoint
 * contributes members to it. Pure helpers shared by the scanner and the IpSetCalculator.
 */
import { stableHash, type Protocol } from '@palisade/model';
import { cidrUnion, type IpBlock } from './cidrUnion.js';
import type { IpSetId } from '../messages.js';
import type { IndexedEndpoint } from './labelIndex.js';
import type { ParsedSelector } from './selectorCache.js';

export type IpSetDef =
  /** IPs of the endpoints matching `selector`. */
  | { kind: 's'; identity: string; selector: ParsedSelector }
  /** `ip,proto:port` of the named port `portName` of the endpoints matching `selector`. */
  | { kind: 'n'; identity: string; selector: ParsedSelector; protocol: Protocol; portName: string }
  /** IP blocks: fixed members (disjoint CIDRs, never `nomatch`). */
  | { kind: 'c'; identity: string; members: string[] };

export function ipSetKey(id: IpSetId): string {
  return `${id.kind}:${id.identity}`;
}

export function ipSetIdOf(def: IpSetDef): IpSetId {
  return { kind: def.kind, identity: def.identity };
}

export function selectorSet(selector: ParsedSelector): IpSetDef {
  return { kind: 's', identity: selector.text, selector };
}

/**
 * Ingress sets name the destination (`dst|`) because they resolve the port on the
 * policy's own endpoints; egress sets resolve it on the peers.
 */
export function namedPortSet(opts: {
  selector: ParsedSelector;
  protocol: Protocol;
  portName: string;
  destination: boolean;
}): IpSetDef {
  const { selector, protocol, portName } = opts;
  const identity = `${opts.destination ? 'dst|' : ''}${selector.text}|${protocol}|${portName}`;
  return { kind: 'n', identity, selector, protocol, portName };
}

/**
 * The IP blocks of one rule as one hash:net set: the exact union of each block minus
 * its excepts, as disjoint CIDRs (see cidrUnion). Blocks with the same union share a
 * set; the identity is a hash because a rule may list thousands of blocks.
 */
export function cidrSet(blocks: readonly IpBlock[]): IpSetDef {
  const members = cidrUnion(blocks);
  return { kind: 'c', identity: `u${stableHash(members.join(','), 26)}`, members };
}

/** The members `ep` adds to a selector-backed set. */
export function contributions(def: IpSetDef, ep: IndexedEndpoint): string[] {
  switch (def.kind) {
    case 's':
      return [...ep.ips];
    case 'n': {
      const out: string[] = [];
      const proto = def.protocol.toLowerCase();
      for (const port of ep.ports) {
        if (port.name !== def.portName || port.protocol !== def.protocol) continue;
        for (const ip of ep.ips) out.push(`${ip},${proto}:${port.port}`);
      }
      return out;
    }
    case 'c':
      return [];
  }
}
