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
 *
 * Tiers (docs/cluster-policy.md): an endpoint that cluster policies select gets an
 * Admin block before and a Baseline block after the NetworkPolicy part; an endpoint
 * that none selects keeps exactly the plain chain.
 */
import {
  CHAINS,
  clusterPolicyInboundChain,
  clusterPolicyOutboundChain,
  fromWorkloadChain,
  policyInboundChain,
  policyOutboundChain,
  toWorkloadChain,
} from '@palisade/model';
import {
  isClusterRef,
  type Direction,
  type DirectionSpec,
  type ObjectRef,
} from '../../messages.js';
import {
  MARK_ACCEPT,
  MARK_ALL,
  MARK_PASS,
  formatNflogPrefix,
  matchMark,
  matchNoMark,
  setMark,
} from './marks.js';

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

/**
 * Chain names are hashes, and every apply asks for the chain of every policy each
 * local endpoint uses (with cluster policies selecting every pod, thousands): a memo
 * keeps that off the hot path. Bounded, so policy churn cannot grow it without limit.
 */
const chainNames = new Map<string, string>();
const CHAIN_NAME_MEMO_MAX = 100_000;

export function policyChain(direction: Direction, p: { namespace: string; name: string }): string {
  const memoKey = `${direction}\0${p.namespace}\0${p.name}`;
  const known = chainNames.get(memoKey);
  if (known !== undefined) return known;
  const name = isClusterRef(p)
    ? direction === 'ingress'
      ? clusterPolicyInboundChain(p.name)
      : clusterPolicyOutboundChain(p.name)
    : direction === 'ingress'
      ? policyInboundChain(p.namespace, p.name)
      : policyOutboundChain(p.namespace, p.name);
  if (chainNames.size >= CHAIN_NAME_MEMO_MAX) chainNames.clear();
  chainNames.set(memoKey, name);
  return name;
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
  if (spec.admin) rules.push(...renderTierBlock(direction, spec.admin));
  if (!spec.isolated) {
    if (spec.baseline) rules.push(...renderTierBlock(direction, spec.baseline));
    // End of the last tier: the default, allow.
    rules.push(setMark(MARK_ACCEPT, MARK_ALL));
    return rules;
  }
  // NetworkPolicy tier of an isolated endpoint: its verdict is final, so the Baseline
  // tier is never reached and not rendered.
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

/**
 * One cluster-policy tier (Admin or Baseline), Calico style: clear both bits, then
 * each policy in order, skipped once a Pass rule set the pass bit; an Accept rule sets
 * the accept bit and the endpoint chain returns at once (final for this direction); a
 * Deny rule drops inside the policy chain. The explicit end-of-tier action clears the
 * pass bit and falls through to the next tier.
 */
function renderTierBlock(direction: Direction, policies: ObjectRef[]): string[] {
  const rules = [setMark(0, MARK_ALL)];
  for (const p of policies) {
    rules.push(
      `${matchNoMark(MARK_PASS)} -j ${policyChain(direction, p)}`,
      `${matchMark(MARK_ACCEPT)} -j RETURN`,
    );
  }
  rules.push(setMark(0, MARK_PASS));
  return rules;
}
