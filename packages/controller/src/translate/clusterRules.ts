/**
 * ClusterNetworkPolicy rules → model cluster rules. Pure.
 *
 * Failing closed, as the API defines it: a rule with a peer or protocol that cannot be
 * read (an experimental peer such as `nodes` or `domainNames`, a field this version
 * does not know, or a value the CRD would have rejected) does not guess. An Accept
 * rule then matches no traffic, so it is dropped; a Deny or Pass rule becomes a Deny
 * of everything (no peers, no ports). Each offending field becomes a warning, which
 * ends up in the stored policy and in the CNP's status.
 */
import {
  NAMESPACE_LABEL_PREFIX,
  PortNameSchema,
  labelSelectorToExpr,
  printSelector,
  type ClusterRule,
  type ClusterRuleAction,
  type Peer,
  type PortMatch,
  type Protocol,
  type SelectorExpr,
} from '@palisade/model';
import { atField, errorField, fieldError } from './fieldError.js';
import { formatCidr, maskCidr, parseCidr } from './ip.js';
import { checkLabelSelector } from './selectors.js';

export type Direction = 'ingress' | 'egress';

const ACTIONS: readonly ClusterRuleAction[] = ['Accept', 'Deny', 'Pass'];
const PROTOCOL_KEYS: Record<string, Protocol> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };
/** A named port names no protocol: it matches the container port of that name, whichever it is. */
const NAMED_PORT_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The keys of `obj` that are set (null counts as unset, as in Kubernetes JSON). */
function setKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).filter((k) => obj[k] !== null && obj[k] !== undefined);
}

/** Exactly one of `known` is set and nothing else; returns it. Unknown keys are "not supported". */
export function oneOf(obj: unknown, known: readonly string[], field: string): string {
  if (!isRecord(obj)) return fieldError(field, 'must be an object');
  const keys = setKeys(obj);
  const unknown = keys.find((k) => !known.includes(k));
  if (unknown !== undefined) fieldError(`${field}.${unknown}`, 'not supported');
  if (keys.length !== 1) fieldError(field, `must set exactly one of ${known.join(', ')}`);
  return keys[0] as string;
}

/** A LabelSelector as an expression; `keyPrefix` is NAMESPACE_LABEL_PREFIX for namespace labels. */
export function selectorExpr(sel: unknown, field: string, keyPrefix = ''): SelectorExpr {
  if (sel === null || sel === undefined) return fieldError(field, 'must be a label selector');
  const checked = checkLabelSelector(sel, field);
  return atField({ field, base: field }, () => labelSelectorToExpr(checked, keyPrefix));
}

/** NamespacedPod: namespaceSelector (optional, empty = all namespaces) AND podSelector (required). */
export function namespacedPodExpr(pods: unknown, field: string): SelectorExpr {
  if (!isRecord(pods)) return fieldError(field, 'must be an object');
  const unknown = setKeys(pods).find((k) => k !== 'namespaceSelector' && k !== 'podSelector');
  if (unknown !== undefined) fieldError(`${field}.${unknown}`, 'not supported');
  const ns =
    pods.namespaceSelector === undefined || pods.namespaceSelector === null
      ? ({ op: 'all' } as const)
      : selectorExpr(pods.namespaceSelector, `${field}.namespaceSelector`, NAMESPACE_LABEL_PREFIX);
  const pod = selectorExpr(pods.podSelector, `${field}.podSelector`);
  return { op: 'and', terms: [ns, pod] };
}

function translateNetworks(networks: unknown, field: string): Peer[] {
  if (!Array.isArray(networks) || networks.length === 0)
    return fieldError(field, 'must be a non-empty list of CIDRs');
  const out: Peer[] = [];
  networks.forEach((text: unknown, i) => {
    const parsed = typeof text === 'string' ? parseCidr(text) : null;
    if (!parsed) fieldError(`${field}[${i}]`, `${JSON.stringify(text)} is not a valid CIDR`);
    const cidr = formatCidr(maskCidr(parsed));
    if (!out.some((p) => 'cidr' in p && p.cidr === cidr)) out.push({ cidr, except: [] });
  });
  return out;
}

export function translateClusterPeer(peer: unknown, dir: Direction, field: string): Peer[] {
  const known = dir === 'ingress' ? ['namespaces', 'pods'] : ['namespaces', 'pods', 'networks'];
  const kind = oneOf(peer, known, field);
  const value = (peer as Record<string, unknown>)[kind];
  switch (kind) {
    case 'namespaces':
      return [{ selector: printSelector(selectorExpr(value, `${field}.namespaces`, NAMESPACE_LABEL_PREFIX)) }];
    case 'pods':
      return [{ selector: printSelector(namespacedPodExpr(value, `${field}.pods`)) }];
    default:
      return translateNetworks(value, `${field}.networks`);
  }
}

function portNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    return fieldError(field, 'must be a port number between 1 and 65535');
  return v;
}

function translatePortRange(range: unknown, field: string): { port: number; endPort: number } {
  if (!isRecord(range)) return fieldError(field, 'must be an object');
  const unknown = setKeys(range).find((k) => k !== 'start' && k !== 'end');
  if (unknown !== undefined) fieldError(`${field}.${unknown}`, 'not supported');
  const port = portNumber(range.start, `${field}.start`);
  const endPort = portNumber(range.end, `${field}.end`);
  if (port >= endPort) fieldError(field, `start ${port} must be less than end ${endPort}`);
  return { port, endPort };
}

function translateProtocolPort(value: unknown, protocol: Protocol, field: string): PortMatch {
  const key = oneOf(value, ['destinationPort'], field);
  const dest = (value as Record<string, unknown>)[key];
  const at = `${field}.destinationPort`;
  const which = oneOf(dest, ['number', 'range'], at);
  const v = (dest as Record<string, unknown>)[which];
  if (which === 'number') return { protocol, port: portNumber(v, `${at}.number`) };
  return { protocol, ...translatePortRange(v, `${at}.range`) };
}

export function translateClusterProtocol(proto: unknown, field: string): PortMatch[] {
  const kind = oneOf(proto, ['tcp', 'udp', 'sctp', 'destinationNamedPort'], field);
  const value = (proto as Record<string, unknown>)[kind];
  const protocol = PROTOCOL_KEYS[kind];
  if (protocol) return [translateProtocolPort(value, protocol, `${field}.${kind}`)];
  if (typeof value !== 'string' || !PortNameSchema.safeParse(value).success)
    fieldError(`${field}.destinationNamedPort`, `${JSON.stringify(value)} is not a valid port name`);
  return NAMED_PORT_PROTOCOLS.map((p) => ({ protocol: p, port: value }));
}

interface Problem {
  field: string;
  message: string;
}

/** Runs one translation step; a field error becomes a problem (anything else is a bug: rethrown). */
function collect<T>(problems: Problem[], fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    const fe = errorField(err);
    if (!fe) throw err;
    problems.push(fe);
    return null;
  }
}

function listAt(v: unknown, field: string, required: boolean): unknown[] {
  if (v === undefined || v === null) {
    if (required) fieldError(field, 'must list at least one peer');
    return [];
  }
  if (!Array.isArray(v)) return fieldError(field, 'must be a list');
  if (required && v.length === 0) fieldError(field, 'must list at least one peer');
  return v;
}

export interface RuleContext {
  dir: Direction;
  index: number;
  /** Warnings are appended here. */
  warnings: string[];
}

/**
 * One CNP rule. Returns null when the rule matches nothing (a failed Accept rule):
 * dropping it is exactly "matches no traffic", since a rule that does not match
 * leaves the decision to the next one.
 */
export function translateClusterRule(raw: unknown, ctx: RuleContext): ClusterRule | null {
  const field = `spec.${ctx.dir}[${ctx.index}]`;
  const peersKey = ctx.dir === 'ingress' ? 'from' : 'to';
  const problems: Problem[] = [];
  const rule = isRecord(raw) ? raw : {};
  if (!isRecord(raw)) problems.push({ field, message: 'must be an object' });
  const name =
    typeof rule.name === 'string' && rule.name !== '' && rule.name.length <= 128 ? rule.name : `${ctx.dir}[${ctx.index}]`;
  const action = ACTIONS.find((a) => a === rule.action);
  if (isRecord(raw) && action === undefined)
    problems.push({ field: `${field}.action`, message: `unknown action ${JSON.stringify(rule.action)}` });
  for (const key of setKeys(rule))
    if (!['name', 'action', peersKey, 'protocols'].includes(key))
      problems.push({ field: `${field}.${key}`, message: 'not supported' });
  const peers: Peer[] = [];
  const rawPeers = collect(problems, () => listAt(rule[peersKey], `${field}.${peersKey}`, isRecord(raw))) ?? [];
  rawPeers.forEach((p, i) =>
    peers.push(...(collect(problems, () => translateClusterPeer(p, ctx.dir, `${field}.${peersKey}[${i}]`)) ?? [])),
  );
  const ports: PortMatch[] = [];
  const rawProtocols = collect(problems, () => listAt(rule.protocols, `${field}.protocols`, false)) ?? [];
  rawProtocols.forEach((p, i) =>
    ports.push(...(collect(problems, () => translateClusterProtocol(p, `${field}.protocols[${i}]`)) ?? [])),
  );
  if (problems.length === 0 && action !== undefined) return { name, action, peers, ports };
  const accept = action === 'Accept';
  const consequence = accept ? 'the rule matches no traffic' : 'the rule denies all traffic';
  for (const p of problems) ctx.warnings.push(`${p.field}: ${p.message}; ${consequence}`);
  return accept ? null : { name, action: 'Deny', peers: [], ports: [] };
}
