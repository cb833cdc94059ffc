/**
 * Renders the fixed top-level chain, the two dispatch chains and the per-endpoint
 * chains for one IP family. Pure.
 *
 * Walk of a forwarded packet (see docs/dataplane.md):
 *   pal-FORWARD: RELATED,ESTABLISHED → ACCEPT; clear our mark bits;
 *     pal-from-wl-dispatch: source is a local workload → goto pal-fw-<ep> (egress)
 *     pal-to-wl-dispatch:   destination is a local workload → goto pal-tw-<ep> (ingress)
 *     (both are trees of chains by address prefix: rules/dispatchTree.ts)
 *     accept mark set → ACCEPT; otherwise fall back to FORWARD untouched.
 * An endpoint chain either DROPs (terminal) or sets the accept mark and returns, so
 * same-node traffic passes the source's egress and then the destination's ingress
 * (which clears the mark first) before the final ACCEPT.
 */
import {
  CHAINS,
  fromWorkloadChain,
  policyInboundChain,
  policyOutboundChain,
  toWorkloadChain,
} from '@palisade/model';
import type { Direction, DirectionSpec } from '../../messages.js';
import { MARK_ACCEPT, MARK_ALL, formatNflogPrefix, matchMark, setMark } from './marks.js';

export const FORWARD_HOOK = `-j ${CHAINS.forward}`;
/** NFLOG rate limit for blocked NEW connections, per endpoint chain. */
export const NFLOG_LIMIT = '-m limit --limit 10/sec --limit-burst 20';

export function renderForwardChain(): string[] {
  return [
    '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    setMark(0, MARK_ALL),
    `-j ${CHAINS.fromWorkloadDispatch}`,
    `-j ${CHAINS.toWorkloadDispatch}`,
    `${matchMark(MARK_ACCEPT)} -j ACCEPT`,
  ];
}

export function endpointChain(
  direction: Direction,
  ep: { namespace: string; name: string },
): string {
  return direction === 'ingress'
    ? toWorkloadChain(ep.namespace, ep.name)
    : fromWorkloadChain(ep.namespace, ep.name);
}

export function policyChain(direction: Direction, p: { namespace: string; name: string }): string {
  return direction === 'ingress'
    ? policyInboundChain(p.namespace, p.name)
    : policyOutboundChain(p.namespace, p.name);
}

/**
 * With --revoke-connections: a TCP packet that opens a conntrack entry without being a
 * SYN is a mid-stream pickup (nf_conntrack_tcp_loose), which would revive a connection
 * whose entry was deleted as revoked. Drop it (conntrack/connectionRevoker.ts).
 */
export const NO_PICKUP_RULE =
  '-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j DROP';

export function renderEndpointChain(opts: {
  direction: Direction;
  chain: string;
  spec: DirectionSpec;
  nflogGroup: number;
  noPickup?: boolean;
}): string[] {
  const { direction, chain, spec } = opts;
  const rules = ['-m conntrack --ctstate INVALID -j DROP'];
  if (opts.noPickup) rules.push(NO_PICKUP_RULE);
  if (!spec.isolated) {
    rules.push(setMark(MARK_ACCEPT, MARK_ALL));
    return rules;
  }
  for (const p of spec.policies) {
    rules.push(
      setMark(0, MARK_ALL),
      `-j ${policyChain(direction, p)}`,
      `${matchMark(MARK_ACCEPT)} -j RETURN`,
    );
  }
  const prefix = formatNflogPrefix(direction, chain);
  rules.push(
    `-m conntrack --ctstate NEW ${NFLOG_LIMIT} -j NFLOG --nflog-group ${opts.nflogGroup} --nflog-prefix "${prefix}"`,
    '-j DROP',
  );
  return rules;
}
