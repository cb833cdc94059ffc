/** The verdict `palisadectl explain` computes; `-o json` prints it as is. */
import type { Endpoint, Protocol } from '@palisade/model';

export type Direction = 'ingress' | 'egress';

/** One end of the connection: a pod (with the IP used) or a plain IP. */
export interface Party {
  /** `ns/pod`, or null for an IP that is no pod's. */
  pod: string | null;
  ip: string;
  node: string | null;
}

export interface ResolvedParty extends Party {
  endpoint: Endpoint | null;
}

export type SideState = 'same-pod' | 'unpoliced' | 'not-isolated' | 'allowed' | 'denied' | 'isolated';

/** The tier whose verdict stands: a cluster policy tier, or the NetworkPolicy tier. */
export type TierName = 'Admin' | 'NetworkPolicy' | 'Baseline';

/** A cluster policy rule that matched: the decision, or a Pass that left its tier. */
export interface ClusterRuleHit {
  tier: 'Admin' | 'Baseline';
  /** The cluster policy's name (cluster-scoped: no namespace). */
  policy: string;
  /** 1-based index within its rules of this direction. */
  rule: number;
  ruleName: string;
  action: 'Accept' | 'Deny' | 'Pass';
}

export interface SideVerdict {
  state: SideState;
  allowed: boolean;
  /**
   * The tier that decided, when policies were involved: Admin/Baseline for a cluster
   * policy rule, NetworkPolicy for an isolated pod's verdict. Absent for the default
   * allow and for unpoliced or same-pod sides.
   */
  tier?: TierName;
  /** The deciding policy for allowed/denied: `ns/name`, or a cluster policy's name. */
  policy?: string;
  /** 1-based index of the deciding rule within that policy's rules of this direction. */
  rule?: number;
  /** The deciding cluster policy rule's name. */
  ruleName?: string;
  /** Cluster policy Pass rules that left their tier before the decision, in order. */
  passed?: ClusterRuleHit[];
  /**
   * Cluster policies involved whose stored value is invalid, or that carry a
   * translation error, and what the agents enforce instead.
   */
  clusterNotes?: { policy: string; message: string }[];
  /** Every policy that isolates this side (in evaluation order). */
  policies?: string[];
  /** Isolating policies whose spec.error removed all their rules. */
  errors?: { policy: string; message: string }[];
  /**
   * Isolating policies whose stored value is invalid: the agents isolate their whole
   * namespace in both directions and allow nothing through them.
   */
  invalid?: { policy: string; key: string; message: string }[];
  /** One line of plain words. */
  reason: string;
}

export interface Verdict {
  allowed: boolean;
  from: Party;
  to: Party;
  port: number;
  protocol: Protocol;
  egress: SideVerdict;
  ingress: SideVerdict;
}

export interface ExplainQuery {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
}
