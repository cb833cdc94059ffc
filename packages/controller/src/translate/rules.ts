/** NetworkPolicy rules → model rules: ports and peers, with Kubernetes' defaulting. */
import { PortNameSchema, type Peer, type PortMatch, type Protocol, type Rule } from '@palisade/model';
import { fieldError } from './fieldError.js';
import { cidrContains, formatCidr, maskCidr, parseCidr, type ParsedCidr } from './ip.js';
import { translatePeerSelector } from './selectors.js';
import type { KEgressRule, KIPBlock, KIngressRule, KNetworkPolicyPeer, KNetworkPolicyPort } from './types.js';

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

function isPortNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

function listOf<T>(v: T[] | null | undefined, field: string): T[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) return fieldError(field, 'must be a list');
  return v;
}

export function translatePort(p: KNetworkPolicyPort, field: string): PortMatch {
  if (typeof p !== 'object' || p === null) return fieldError(field, 'must be an object');
  const protocol = p.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protocol as Protocol))
    fieldError(`${field}.protocol`, `unsupported protocol ${JSON.stringify(protocol)}: must be TCP, UDP or SCTP`);
  const out: PortMatch = { protocol: protocol as Protocol };
  const port = p.port ?? undefined;
  if (typeof port === 'number') {
    if (!isPortNumber(port)) fieldError(`${field}.port`, 'must be a port number between 1 and 65535');
    out.port = port;
  } else if (typeof port === 'string') {
    if (!PortNameSchema.safeParse(port).success)
      fieldError(`${field}.port`, `${JSON.stringify(port)} is neither a port number nor a valid port name`);
    out.port = port;
  } else if (port !== undefined) {
    fieldError(`${field}.port`, 'must be a number or a port name');
  }
  const endPort = p.endPort ?? undefined;
  if (endPort !== undefined) {
    if (!isPortNumber(endPort)) fieldError(`${field}.endPort`, 'must be a port number between 1 and 65535');
    if (typeof out.port !== 'number') fieldError(`${field}.endPort`, 'endPort requires a numeric port');
    if (endPort < out.port) fieldError(`${field}.endPort`, `endPort ${endPort} must be >= port ${out.port}`);
    out.endPort = endPort;
  }
  return out;
}

function cidrAt(text: unknown, field: string): ParsedCidr {
  const parsed = typeof text === 'string' ? parseCidr(text) : null;
  if (!parsed) return fieldError(field, `${JSON.stringify(text)} is not a valid CIDR`);
  return maskCidr(parsed);
}

function translateIpBlock(block: KIPBlock, field: string): Peer {
  const cidr = cidrAt(block.cidr, `${field}.cidr`);
  const except = listOf(block.except, `${field}.except`).map((e, i) => {
    const ex = cidrAt(e, `${field}.except[${i}]`);
    if (!cidrContains(cidr, ex) || ex.prefix <= cidr.prefix)
      fieldError(`${field}.except[${i}]`, `${e} must be a strict subset of ${formatCidr(cidr)}`);
    return formatCidr(ex);
  });
  return { cidr: formatCidr(cidr), except };
}

export function translatePeer(peer: KNetworkPolicyPeer, namespace: string, field: string): Peer {
  if (typeof peer !== 'object' || peer === null) return fieldError(field, 'must be an object');
  const hasPod = peer.podSelector !== undefined && peer.podSelector !== null;
  const hasNs = peer.namespaceSelector !== undefined && peer.namespaceSelector !== null;
  const hasBlock = peer.ipBlock !== undefined && peer.ipBlock !== null;
  if (hasBlock && (hasPod || hasNs))
    fieldError(field, 'ipBlock cannot be combined with podSelector or namespaceSelector');
  if (hasBlock) return translateIpBlock(peer.ipBlock as KIPBlock, `${field}.ipBlock`);
  if (!hasPod && !hasNs) fieldError(field, 'must specify podSelector, namespaceSelector or ipBlock');
  return { selector: translatePeerSelector(peer, namespace, field) };
}

/** One ingress or egress rule. Missing and empty `ports`/peers both mean "all". */
export function translateRule(
  rule: KIngressRule | KEgressRule,
  namespace: string,
  at: { field: string; peers: 'from' | 'to' },
): Rule {
  if (typeof rule !== 'object' || rule === null) return fieldError(at.field, 'must be an object');
  const ports = listOf(rule.ports, `${at.field}.ports`).map((p, i) => translatePort(p, `${at.field}.ports[${i}]`));
  const peerField = `${at.field}.${at.peers}`;
  const rawPeers = at.peers === 'from' ? (rule as KIngressRule).from : (rule as KEgressRule).to;
  const peers = listOf(rawPeers, peerField).map((p, i) => translatePeer(p, namespace, `${peerField}[${i}]`));
  return { action: 'Allow', ports, peers };
}
