/**
 * Packet mark bits and NFLOG prefixes: the small vocabulary shared by the rendered
 * rules, the docs and the blocked-connection logger.
 *
 * Both bits stay clear of kube-proxy's 0x4000 (masquerade) and 0x8000 (drop). They
 * overlap Calico's default mark mask (0xffff0000): Palisade and Calico are not meant
 * to police the same node.
 */
import type { Direction } from '../../messages.js';

/** Set when the policy chain of the current direction allowed the packet. */
export const MARK_ACCEPT = 0x10000;
/**
 * Set by a Pass rule: this policy gives no verdict, later policies still decide. In a
 * cluster-policy tier it skips the rest of the tier (docs/cluster-policy.md).
 */
export const MARK_PASS = 0x20000;
export const MARK_ALL = MARK_ACCEPT | MARK_PASS;
/**
 * Scratch bit inside one rule of a policy chain: "a peer matched" while its port
 * matches are tested (policyRenderer's combine). Set and cleared within the rule.
 */
export const MARK_SCRATCH = 0x40000;

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** `-m mark --mark B/B` */
export function matchMark(bit: number): string {
  return `-m mark --mark ${hex(bit)}/${hex(bit)}`;
}

/** `-m mark --mark 0x0/B`: the bit is clear. */
export function matchNoMark(bit: number): string {
  return `-m mark --mark 0x0/${hex(bit)}`;
}

/** `-j MARK --set-xmark value/mask` */
export function setMark(value: number, mask: number): string {
  return `-j MARK --set-xmark ${hex(value)}/${hex(mask)}`;
}

export const DEFAULT_NFLOG_GROUP = 1007;
export const NFLOG_PREFIX_TAG = 'pal';

export interface NflogPrefix {
  /** Only `D` (dropped at the end of an endpoint's policies) today. */
  verdict: 'D';
  direction: Direction;
  /** The endpoint chain that dropped: pal-tw-<hash> (ingress) or pal-fw-<hash> (egress). */
  chain: string;
}

/**
 * `pal|D|i|<hash>` for ingress, `pal|D|e|<hash>` for egress, where <hash> is the
 * endpoint chain's hash (the chain name without `pal-tw-`/`pal-fw-`). 29 characters,
 * well under NFLOG's 64.
 */
export function formatNflogPrefix(direction: Direction, endpointChain: string): string {
  return `${NFLOG_PREFIX_TAG}|D|${direction === 'ingress' ? 'i' : 'e'}|${endpointChain.slice('pal-tw-'.length)}`;
}

export function parseNflogPrefix(prefix: string): NflogPrefix | null {
  const m = /^pal\|D\|([ie])\|([a-z2-7]+)$/.exec(prefix.replace(/\0+$/, '').trim());
  if (!m) return null;
  const ingress = m[1] === 'i';
  return {
    verdict: 'D',
    direction: ingress ? 'ingress' : 'egress',
    chain: `${ingress ? 'pal-tw-' : 'pal-fw-'}${m[2] ?? ''}`,
  };
}
