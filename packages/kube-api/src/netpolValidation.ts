/**
 * NetworkPolicy defaulting and validation, mirroring k8s.io/kubernetes
 * pkg/apis/networking/v1/defaults.go and pkg/apis/networking/validation (v1.32):
 * same checks, same field paths, same messages.
 */
import { isIPv6 } from 'node:net';
import { fieldErr, type FieldError } from './status.js';
import { asObject, isObject, type KubeObject } from './types.js';
import { isDns1123Subdomain, validateLabelSelector, validateObjectMeta } from './validation.js';

type Rule = Record<string, unknown>;

function rules(spec: Record<string, unknown>, key: 'ingress' | 'egress'): Rule[] {
  const v = spec[key];
  return Array.isArray(v) ? v.map(asObject) : [];
}

function list(v: unknown): Rule[] {
  return Array.isArray(v) ? v.map(asObject) : [];
}

/** SetDefaults_NetworkPolicy + SetDefaults_NetworkPolicyPort. Mutates `np`. */
export function defaultNetworkPolicy(np: KubeObject): void {
  const spec = asObject(np.spec);
  np.spec = spec;
  if (spec.podSelector === undefined || spec.podSelector === null) spec.podSelector = {};
  for (const key of ['ingress', 'egress'] as const) {
    for (const rule of rules(spec, key)) {
      for (const port of list(rule.ports)) {
        if (port.protocol === undefined || port.protocol === null) port.protocol = 'TCP';
      }
    }
  }
  const types = spec.policyTypes;
  if (!Array.isArray(types) || types.length === 0) {
    spec.policyTypes = rules(spec, 'egress').length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

const inRange = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';

export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port))
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-')))
    errs.push('must not begin or end with a hyphen');
  return errs;
}

function validatePort(port: Rule, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const proto = port.protocol;
  if (proto !== undefined && proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
    errs.push(fieldErr.notSupported(`${path}.protocol`, proto, ['TCP', 'UDP', 'SCTP']));
  }
  const p = port.port;
  const end = port.endPort;
  if (p !== undefined && p !== null) {
    if (typeof p === 'number') {
      if (!inRange(p)) errs.push(fieldErr.invalid(`${path}.port`, p, PORT_RANGE_MSG));
      if (typeof end === 'number') {
        if (end < p)
          errs.push(
            fieldErr.invalid(`${path}.endPort`, end, 'must be greater than or equal to `port`'),
          );
        if (!inRange(end)) errs.push(fieldErr.invalid(`${path}.endPort`, end, PORT_RANGE_MSG));
      }
    } else {
      if (end !== undefined && end !== null)
        errs.push(
          fieldErr.invalid(
            `${path}.endPort`,
            end,
            'may not be specified when `port` is non-numeric',
          ),
        );
      const name = typeof p === 'string' ? p : JSON.stringify(p);
      errs.push(...isValidPortName(name).map((m) => fieldErr.invalid(`${path}.port`, name, m)));
    }
  } else if (end !== undefined && end !== null) {
    errs.push(
      fieldErr.invalid(`${path}.endPort`, end, 'may not be specified when `port` is not specified'),
    );
  }
  return errs;
}

interface Cidr {
  v6: boolean;
  addr: bigint;
  bits: number;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = parseIPv4(v4[1]);
    if (n === undefined) return undefined;
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/** Like Go's net.ParseCIDR after netutils' sloppy leading-zero handling. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const bits = Number(m[2]);
  const v4 = parseIPv4(m[1] ?? '');
  if (v4 !== undefined) return bits <= 32 ? { v6: false, addr: v4, bits } : undefined;
  const v6 = parseIPv6(m[1] ?? '');
  if (v6 !== undefined) return bits <= 128 ? { v6: true, addr: v6, bits } : undefined;
  return undefined;
}

function network(c: Cidr): bigint {
  const width = c.v6 ? 128n : 32n;
  const host = width - BigInt(c.bits);
  return (c.addr >> host) << host;
}

function strictlyContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.v6 !== inner.v6) return false;
  const width = outer.v6 ? 128n : 32n;
  const host = width - BigInt(outer.bits);
  return network(inner) >> host === network(outer) >> host && outer.bits < inner.bits;
}

function validateIPBlock(ipb: Rule, path: string): FieldError[] {
  const cidrText = typeof ipb.cidr === 'string' ? ipb.cidr : '';
  if (cidrText === '') return [fieldErr.required(`${path}.cidr`, '')];
  const cidr = parseCidr(cidrText);
  if (!cidr) return [fieldErr.invalid(`${path}.cidr`, cidrText, 'not a valid CIDR')];
  const errs: FieldError[] = [];
  const except = Array.isArray(ipb.except) ? (ipb.except as unknown[]).map(String) : [];
  for (const [i, text] of except.entries()) {
    const p = `${path}.except[${i}]`;
    const ex = parseCidr(text);
    if (!ex) {
      errs.push(fieldErr.invalid(p, text, 'not a valid CIDR'));
      return errs;
    }
    if (!strictlyContains(cidr, ex))
      errs.push(fieldErr.invalid(p, text, 'must be a strict subset of `cidr`'));
  }
  return errs;
}

function validatePeer(peer: Rule, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (isObject(peer.podSelector)) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (isObject(peer.namespaceSelector)) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  const hasIpBlock = isObject(peer.ipBlock);
  if (hasIpBlock) {
    n++;
    errs.push(...validateIPBlock(asObject(peer.ipBlock), `${path}.ipBlock`));
  }
  if (n === 0) errs.push(fieldErr.required(path, 'must specify a peer'));
  else if (n > 1 && hasIpBlock)
    errs.push(fieldErr.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicySpec(specRaw: unknown): FieldError[] {
  const spec = asObject(specRaw);
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  for (const [key, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    rules(spec, key).forEach((rule, i) => {
      const rp = `spec.${key}[${i}]`;
      list(rule.ports).forEach((port, j) => errs.push(...validatePort(port, `${rp}.ports[${j}]`)));
      list(rule[peersKey]).forEach((peer, j) =>
        errs.push(...validatePeer(peer, `${rp}.${peersKey}[${j}]`)),
      );
    });
  }
  const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as unknown[]) : [];
  if (types.length > 2) {
    errs.push(
      fieldErr.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'),
    );
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress')
      errs.push(fieldErr.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return errs;
}

export function validateNetworkPolicy(np: KubeObject): FieldError[] {
  return [
    ...validateObjectMeta(np.metadata, true, isDns1123Subdomain),
    ...validateNetworkPolicySpec(np.spec),
  ];
}
