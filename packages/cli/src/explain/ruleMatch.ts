/**
 * Kubernetes NetworkPolicy rule matching over the stored model: shared by `explain`
 * (does this rule admit this connection?) and `describe` (which peers does it admit?).
 */
import type { Endpoint, Peer, PortMatch, Protocol, Rule } from '@palisade/model';
import type { ModelView } from '../view/modelView.js';
import { cidrContains } from './ip.js';

/** Whether a peer admits the other party: selectors match pods only; CIDRs match any IP. */
export function peerAdmits(view: ModelView, peer: Peer, other: { endpoint: Endpoint | null; ip: string }): boolean {
  if ('selector' in peer) return other.endpoint !== null && view.matches(peer.selector, other.endpoint);
  return cidrContains(peer.cidr, other.ip) && !peer.except.some((ex) => cidrContains(ex, other.ip));
}

/**
 * Whether a port match admits `port`/`protocol`. A named port is resolved against the
 * destination pod's container ports (in both directions, as Kubernetes specifies);
 * with no destination pod it matches nothing.
 */
export function portAdmits(pm: PortMatch, port: number, protocol: Protocol, destination: Endpoint | null): boolean {
  if (pm.protocol !== protocol) return false;
  if (pm.port === undefined) return true;
  if (typeof pm.port === 'number') return port >= pm.port && port <= (pm.endPort ?? pm.port);
  const name = pm.port;
  return (destination?.spec.ports ?? []).some((np) => np.name === name && np.protocol === protocol && np.port === port);
}

export interface Connection {
  /** The party on the far side of the rule: the source for ingress, the destination for egress. */
  peer: { endpoint: Endpoint | null; ip: string };
  destination: Endpoint | null;
  port: number;
  protocol: Protocol;
}

/** Empty ports / peers mean "all", exactly as in the Kubernetes API. */
export function ruleAdmits(view: ModelView, rule: Pick<Rule, 'ports' | 'peers'>, c: Connection): boolean {
  const portOk = rule.ports.length === 0 || rule.ports.some((pm) => portAdmits(pm, c.port, c.protocol, c.destination));
  const peerOk = rule.peers.length === 0 || rule.peers.some((p) => peerAdmits(view, p, c.peer));
  return portOk && peerOk;
}
