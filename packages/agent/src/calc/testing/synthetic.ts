/**
 * A synthetic cluster for calc-graph tests and the agent benchmark: seeded, so the
 * same options always give the same state. Selectors are reused the way real
 * clusters reuse them: a few dozen app labels, namespace-wide default denies,
 * podSelector / namespaceSelector peers, some IP blocks and named ports.
 */
import {
  API_VERSION,
  type Endpoint,
  type Namespace,
  type Policy,
  type Rule,
} from '@palisade/model';
import type { CalcInput } from '../calcGraph.js';

export interface SyntheticOptions {
  endpoints: number;
  localEndpoints: number;
  policies: number;
  namespaces: number;
  nodeName: string;
  /** Other nodes the remote endpoints spread over (default 20). */
  nodes?: number;
  /** Distinct `app` labels (default 50). */
  apps?: number;
  seed?: number;
}

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = 20;
const ENVS = ['prod', 'staging', 'dev'] as const;

function ipv4(i: number): string {
  const n = i + 256;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function makeNamespace(i: number): Namespace {
  return {
    apiVersion: API_VERSION,
    kind: 'Namespace',
    metadata: { name: `ns-${i}` },
    spec: {
      labels: {
        team: `team-${i % TEAMS}`,
        env: ENVS[i % ENVS.length] ?? 'dev',
        'kubernetes.io/metadata.name': `ns-${i}`,
      },
    },
  };
}

function makeEndpoint(i: number, o: Required<SyntheticOptions>, rnd: () => number): Endpoint {
  const local = i < o.localEndpoints;
  const ns = Math.floor(rnd() * o.namespaces);
  const app = Math.floor(rnd() * o.apps);
  const ips = [ipv4(i)];
  if (i % 10 === 0) ips.push(`fd00::${i.toString(16)}`);
  const ports: Endpoint['spec']['ports'] = [{ name: 'http', protocol: 'TCP', port: 8080 }];
  if (app % 3 === 0) ports.push({ name: 'metrics', protocol: 'TCP', port: 9090 });
  if (app % 7 === 0) ports.push({ name: 'dns', protocol: 'UDP', port: 53 });
  return {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace: `ns-${ns}`, name: `pod-${i}` },
    spec: {
      node: local ? o.nodeName : `node-${i % o.nodes}`,
      ips,
      labels: {
        app: `app-${app}`,
        tier: app % 2 === 0 ? 'frontend' : 'backend',
        'pod-template-hash': `h${i % 97}`,
      },
      ports,
    },
  };
}

function peerSelector(ns: string, o: Required<SyntheticOptions>, rnd: () => number): string {
  const app = `app-${Math.floor(rnd() * o.apps)}`;
  const r = rnd();
  if (r < 0.45) return `pal:namespace == '${ns}' && app == '${app}'`;
  if (r < 0.7) return `ns:team == 'team-${Math.floor(rnd() * TEAMS)}'`;
  if (r < 0.85)
    return `ns:env == '${ENVS[Math.floor(rnd() * ENVS.length)] ?? 'prod'}' && app == '${app}'`;
  return `pal:namespace == '${ns}'`;
}

function makeRule(ns: string, o: Required<SyntheticOptions>, rnd: () => number): Rule {
  const r = rnd();
  const ports: Rule['ports'] =
    r < 0.5
      ? [{ protocol: 'TCP', port: 8080 }]
      : r < 0.7
        ? [{ protocol: 'TCP', port: 'http' }]
        : r < 0.8
          ? [{ protocol: 'TCP', port: 9000, endPort: 9100 }]
          : [];
  const peers: Rule['peers'] =
    rnd() < 0.1
      ? [{ cidr: '192.168.0.0/16', except: rnd() < 0.5 ? ['192.168.1.0/24'] : [] }]
      : [{ selector: peerSelector(ns, o, rnd) }];
  return { action: 'Allow', ports, peers };
}

function makePolicy(j: number, o: Required<SyntheticOptions>, rnd: () => number): Policy {
  const nsIndex = j % o.namespaces;
  const ns = `ns-${nsIndex}`;
  const defaultDeny = j < o.namespaces && rnd() < 0.3;
  const selector = defaultDeny
    ? `pal:namespace == '${ns}'`
    : `pal:namespace == '${ns}' && app == 'app-${Math.floor(rnd() * o.apps)}'`;
  const egress = rnd() < 0.3;
  const dns: Rule = {
    action: 'Allow',
    ports: [{ protocol: 'UDP', port: 'dns' }],
    peers: [{ selector: "ns:kubernetes.io/metadata.name == 'ns-0'" }],
  };
  return {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace: ns, name: `policy-${j}` },
    spec: {
      order: 1000,
      selector,
      types: egress ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress: defaultDeny
        ? []
        : Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => makeRule(ns, o, rnd)),
      egress: egress ? [dns, makeRule(ns, o, rnd)] : [],
    },
  };
}

export function syntheticCluster(opts: SyntheticOptions): CalcInput[] {
  const o: Required<SyntheticOptions> = { nodes: 20, apps: 50, seed: 1, ...opts };
  const rnd = seededRandom(o.seed);
  const out: CalcInput[] = [];
  for (let i = 0; i < o.namespaces; i++) {
    const value = makeNamespace(i);
    out.push({ kind: 'namespace', name: value.metadata.name, value });
  }
  for (let i = 0; i < o.endpoints; i++) {
    const value = makeEndpoint(i, o, rnd);
    out.push({
      kind: 'endpoint',
      ref: { namespace: value.metadata.namespace, name: value.metadata.name },
      value,
    });
  }
  for (let j = 0; j < o.policies; j++) {
    const value = makePolicy(j, o, rnd);
    out.push({
      kind: 'policy',
      ref: { namespace: value.metadata.namespace, name: value.metadata.name },
      value,
    });
  }
  return out;
}
