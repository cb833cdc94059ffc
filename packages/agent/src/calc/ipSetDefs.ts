/**
 * What an ipset holds, as the rule scanner asks for it, and how one endpoint
 * contributes members to it. Pure helpers shared by the scanner and the IpSetCalculator.
 */
import type { Protocol } from '@palisade/model';
import type { IpSetId } from '../messages.js';
import type { IndexedEndpoint } from './labelIndex.js';
import type { ParsedSelector } from './selectorCache.js';

export type IpSetDef =
  /** IPs of the endpoints matching `selector`. */
  | { kind: 's'; identity: string; selector: ParsedSelector }
  /** `ip,proto:port` of the named port `portName` of the endpoints matching `selector`. */
  | { kind: 'n'; identity: string; selector: ParsedSelector; protocol: Protocol; portName: string }
  /** A CIDR with excepts: fixed members. */
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

/** Excepts are sorted and deduplicated so equal blocks share one set. */
export function cidrSet(cidr: string, except: readonly string[]): IpSetDef {
  const excepts = [...new Set(except)].sort();
  return {
    kind: 'c',
    identity: `${cidr}|${excepts.join(',')}`,
    members: [cidr, ...excepts.map((e) => `${e} nomatch`)],
  };
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
