/**
 * The message union from the calc graph (pure) to the dataplane. This file is the
 * contract between `calc/` and `dataplane/`; neither imports the other.
 *
 * Ordering guarantee (the EventSequencer's job): within one flush, messages arrive as
 *   IpSetUpdate / IpSetDeltaUpdate  →  PolicyUpdate  →  EndpointUpdate
 *   →  EndpointRemove  →  PolicyRemove  →  IpSetRemove
 * so nothing is referenced before it exists, and nothing is removed while referenced.
 * Every message is idempotent: replaying it leaves the same state.
 */
import type { PolicyType, Protocol, RuleAction } from '@palisade/model';

export interface ObjectRef {
  namespace: string;
  name: string;
}

/**
 * The namespace of a cluster policy's ref (a ClusterNetworkPolicy is cluster-scoped).
 * No Kubernetes namespace is empty, so refs of the two kinds never collide; the
 * dataplane names `pal-ci-`/`pal-co-` chains for refs in this scope.
 */
export const CLUSTER_SCOPE = '';

export function isClusterRef(ref: ObjectRef): boolean {
  return ref.namespace === CLUSTER_SCOPE;
}

/**
 * Identity of an ipset, stable across restarts. The dataplane names the kernel sets
 * with `ipsetName(kind, identity, family)` from @palisade/model (one per IP family).
 *  - kind 's': IPs of endpoints matching a selector           (hash:ip)
 *  - kind 'n': `ip,proto:port` of endpoints' named ports        (hash:ip,port)
 *  - kind 'c': a rule's IP blocks, as disjoint CIDRs             (hash:net)
 */
export interface IpSetId {
  kind: 's' | 'n' | 'c';
  identity: string;
}

/** Full membership. Members mix v4 and v6; the dataplane splits them per family. */
export interface IpSetUpdate {
  type: 'IpSetUpdate';
  set: IpSetId;
  /** 's': '10.0.0.1' | 'fd00::1'.  'n': '10.0.0.1,tcp:8080'.  'c': '10.0.0.0/8' (never `nomatch`). */
  members: string[];
}

/** Incremental membership change (pod churn): never touches iptables. */
export interface IpSetDeltaUpdate {
  type: 'IpSetDeltaUpdate';
  set: IpSetId;
  added: string[];
  removed: string[];
}

export interface IpSetRemove {
  type: 'IpSetRemove';
  set: IpSetId;
}

/**
 * Which peers a rule admits: a selector's set, or the one hash:net set that holds all
 * of a rule's IP blocks.
 */
export type PeerMatch = { kind: 'ipset'; set: IpSetId };

/** Which ports a rule admits. null = any port and protocol. */
export type PortSpec =
  | { kind: 'protocol'; protocol: Protocol }
  | { kind: 'range'; protocol: Protocol; port: number; endPort: number }
  /** Named port: the destination `ip,proto:port` must be in this set. */
  | { kind: 'named'; protocol: Protocol; set: IpSetId };

export interface RuleSpec {
  action: RuleAction;
  /** null: any peer; []: no peer at all (the rule never matches). */
  peers: PeerMatch[] | null;
  /** null: any port; []: no port (never matches). */
  ports: PortSpec[] | null;
}

export interface PolicyUpdate {
  type: 'PolicyUpdate';
  policy: ObjectRef;
  /**
   * Rules for pal-pi-<id> (pal-ci-<id> for a cluster policy, whose Accept rules arrive
   * as Allow), or null when the policy has no Ingress type (no ingress rules).
   */
  inbound: RuleSpec[] | null;
  /** Rules for pal-po-<id>, or null when the policy has no Egress type. */
  outbound: RuleSpec[] | null;
}

export interface PolicyRemove {
  type: 'PolicyRemove';
  policy: ObjectRef;
}

export interface DirectionSpec {
  /** Some NetworkPolicy selecting the endpoint has this type: default deny applies. */
  isolated: boolean;
  /** NetworkPolicy tier: policies to evaluate, in order (order, namespace, name). */
  policies: ObjectRef[];
  /**
   * Admin-tier cluster policies (refs in CLUSTER_SCOPE) with rules for this direction,
   * by (priority, name). Absent when none: such an endpoint keeps the plain chain.
   */
  admin?: ObjectRef[];
  /** Baseline-tier cluster policies, same order; absent when none. */
  baseline?: ObjectRef[];
}

/** A workload on this node. */
export interface EndpointUpdate {
  type: 'EndpointUpdate';
  endpoint: ObjectRef;
  ips: string[];
  ingress: DirectionSpec;
  egress: DirectionSpec;
}

export interface EndpointRemove {
  type: 'EndpointRemove';
  endpoint: ObjectRef;
}

export type CalcMessage =
  | IpSetUpdate
  | IpSetDeltaUpdate
  | IpSetRemove
  | PolicyUpdate
  | PolicyRemove
  | EndpointUpdate
  | EndpointRemove;

/** Direction helper shared by both sides. */
export type Direction = Lowercase<PolicyType>;
