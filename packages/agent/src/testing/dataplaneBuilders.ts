/** Small builders for calc→dataplane messages, for dataplane tests. */
import type {
  DirectionSpec,
  EndpointUpdate,
  IpSetId,
  IpSetUpdate,
  PeerMatch,
  PolicyUpdate,
  PortSpec,
  RuleSpec,
} from '../messages.js';

export const sel = (identity: string): IpSetId => ({ kind: 's', identity });
export const named = (identity: string): IpSetId => ({ kind: 'n', identity });
export const cidrSet = (identity: string): IpSetId => ({ kind: 'c', identity });

export const peerSet = (set: IpSetId): PeerMatch => ({ kind: 'ipset', set });

export const tcp = (port: number, endPort = port): PortSpec => ({
  kind: 'range',
  protocol: 'TCP',
  port,
  endPort,
});
export const udp = (port: number, endPort = port): PortSpec => ({
  kind: 'range',
  protocol: 'UDP',
  port,
  endPort,
});
export const sctp = (port: number): PortSpec => ({
  kind: 'range',
  protocol: 'SCTP',
  port,
  endPort: port,
});

export function allow(peers: PeerMatch[] | null = null, ports: PortSpec[] | null = null): RuleSpec {
  return { action: 'Allow', peers, ports };
}
export function deny(peers: PeerMatch[] | null = null, ports: PortSpec[] | null = null): RuleSpec {
  return { action: 'Deny', peers, ports };
}

export function makePolicy(
  name: string,
  opts: { namespace?: string; inbound?: RuleSpec[] | null; outbound?: RuleSpec[] | null } = {},
): PolicyUpdate {
  return {
    type: 'PolicyUpdate',
    policy: { namespace: opts.namespace ?? 'default', name },
    inbound: opts.inbound === undefined ? [] : opts.inbound,
    outbound: opts.outbound === undefined ? null : opts.outbound,
  };
}

const open: DirectionSpec = { isolated: false, policies: [] };

export function isolatedBy(...policies: string[]): DirectionSpec {
  return { isolated: true, policies: policies.map((p) => ({ namespace: 'default', name: p })) };
}

export function makeEndpoint(
  name: string,
  ips: string[],
  opts: { namespace?: string; ingress?: DirectionSpec; egress?: DirectionSpec } = {},
): EndpointUpdate {
  return {
    type: 'EndpointUpdate',
    endpoint: { namespace: opts.namespace ?? 'default', name },
    ips,
    ingress: opts.ingress ?? open,
    egress: opts.egress ?? open,
  };
}

export function setUpdate(set: IpSetId, members: string[]): IpSetUpdate {
  return { type: 'IpSetUpdate', set, members };
}
