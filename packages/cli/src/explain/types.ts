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

export interface SideVerdict {
  state: SideState;
  allowed: boolean;
  /** The deciding policy (`ns/name`) for allowed/denied. */
  policy?: string;
  /** 1-based index of the deciding rule within that policy's rules of this direction. */
  rule?: number;
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
