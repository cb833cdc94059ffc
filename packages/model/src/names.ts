/**
 * Kernel object names: iptables chains (<= 28 chars) and ipsets (<= 31 chars).
 *
 * Names are pure functions of stable identities (namespace/name, canonical selector
 * text, …) so they survive restarts and upgrades: a restarted agent finds its own
 * chains under the same names and replaces them in place. The hash is a fixed
 * SHA-256 prefix in base32 (lowercase, no padding), never a runtime-dependent value.
 */
import { createHash } from 'node:crypto';

export const CHAIN_PREFIX = 'pal-';
export const IPSET_PREFIX = 'pal';
export const MAX_CHAIN_NAME = 28;
export const MAX_IPSET_NAME = 31;

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Stable hash of `input`, as `len` base32 characters. */
export function stableHash(input: string, len: number): string {
  const digest = createHash('sha256').update(input, 'utf8').digest();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of digest) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < len) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length >= len) break;
  }
  return out;
}

export type IpFamily = 4 | 6;

/** Top-level chains hooked from the built-in chains. */
export const CHAINS = {
  forward: 'pal-FORWARD',
  fromWorkloadDispatch: 'pal-from-wl-dispatch',
  toWorkloadDispatch: 'pal-to-wl-dispatch',
  logDrop: 'pal-log-drop',
} as const;

/** Per-endpoint ingress chain ("to workload"). */
export function toWorkloadChain(namespace: string, pod: string): string {
  return `pal-tw-${stableHash(`${namespace}/${pod}`, MAX_CHAIN_NAME - 7)}`;
}
/** Per-endpoint egress chain ("from workload"). */
export function fromWorkloadChain(namespace: string, pod: string): string {
  return `pal-fw-${stableHash(`${namespace}/${pod}`, MAX_CHAIN_NAME - 7)}`;
}
/** Per-policy ingress chain, shared by every endpoint the policy selects. */
export function policyInboundChain(namespace: string, name: string): string {
  return `pal-pi-${stableHash(`${namespace}/${name}`, MAX_CHAIN_NAME - 7)}`;
}
/** Per-policy egress chain. */
export function policyOutboundChain(namespace: string, name: string): string {
  return `pal-po-${stableHash(`${namespace}/${name}`, MAX_CHAIN_NAME - 7)}`;
}

/** Per-cluster-policy (ClusterNetworkPolicy) ingress chain; cluster-scoped, so by name only. */
export function clusterPolicyInboundChain(name: string): string {
  return `pal-ci-${stableHash(`cluster/${name}`, MAX_CHAIN_NAME - 7)}`;
}
/** Per-cluster-policy egress chain. */
export function clusterPolicyOutboundChain(name: string): string {
  return `pal-co-${stableHash(`cluster/${name}`, MAX_CHAIN_NAME - 7)}`;
}

/**
 * Dispatch tree chains (see docs/dataplane.md): one per address prefix that branches,
 * named by the prefix alone so that a new pod only rewrites the chains on its path.
 * `to` dispatches on the destination (ingress), `from` on the source (egress). A /32
 * or /128 "prefix" is the leaf of an IP that several local endpoints share.
 */
export function dispatchChain(direction: 'to' | 'from', cidr: string): string {
  const prefix = direction === 'to' ? 'pal-dt-' : 'pal-df-';
  return `${prefix}${stableHash(cidr, MAX_CHAIN_NAME - prefix.length)}`;
}

/**
 * ipset names. `kind` tells what the identity is: `s` a selector's member IPs,
 * `n` named-port members (ip,proto:port), `c` a CIDR set. Family 6 sets get a `6`.
 */
export function ipsetName(kind: 's' | 'n' | 'c', identity: string, family: IpFamily): string {
  const prefix = `${IPSET_PREFIX}${family === 6 ? '6' : '4'}${kind}-`;
  return `${prefix}${stableHash(`${kind}|${identity}`, MAX_IPSET_NAME - prefix.length)}`;
}

/** A temporary set name used while rewriting a set with `ipset swap`. */
export function tempIpsetName(family: IpFamily): string {
  return `${IPSET_PREFIX}${family === 6 ? '6' : '4'}t-tmp`;
}

export function isPalisadeChain(name: string): boolean {
  return name.startsWith(CHAIN_PREFIX);
}
export function isPalisadeIpset(name: string): boolean {
  return /^pal[46][sncth]-/.test(name);
}
