/**
 * A small universe for order-independence tests: a few namespaces, endpoints and
 * policies, each with a handful of variants (or absent). Variants are chosen to
 * collide: shared IPs, shared selectors, namespaces whose labels flip
 * namespaceSelector matches, endpoints moving between nodes, policies switching
 * types, errors and named ports. Cluster policies flip tiers, priorities (ties
 * included), actions and subjects, and share peer selectors with the policies.
 * `has()` peers index on a label key alone, so the `tier` label and the namespaces'
 * `env` come and go between variants.
 */
import type { Labels, NamedPort } from '@palisade/model';
import type { CalcInput } from '../calcGraph.js';
import {
  cnpEgress,
  cnpError,
  cnpIngress,
  cnpInput,
  cnpSelector,
  cnpTier,
  epInput,
  makeClusterPolicy,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  nsInput,
  policyInput,
  withEgress,
  withError,
  withIngress,
  withOrder,
  withSelector,
  withTypes,
} from './builders.js';

export const LOCAL_NODE = 'node-1';
export const VARIANTS = 5;

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
const NS_LABELS: Labels[] = [
  { team: 'x' },
  { team: 'y', env: 'prod' },
  {},
  { team: 'x', env: 'prod' },
  { env: 'dev' },
];
const ENDPOINTS = 8;
const POLICIES = 6;
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
const APPS = ['web', 'db', 'api'];
const PORTS: NamedPort[][] = [
  [{ name: 'http', protocol: 'TCP', port: 80 }],
  [
    { name: 'http', protocol: 'TCP', port: 8080 },
    { name: 'dns', protocol: 'UDP', port: 53 },
  ],
  [],
];

type Template = (ns: string) => ReturnType<typeof makePolicy>;
const TEMPLATES: Template[] = [
  (ns) => makePolicy(ns, 'p'),
  (ns) =>
    makePolicy(
      ns,
      'p',
      withSelector(`pal:namespace == '${ns}' && app == 'web'`),
      withIngress({
        peers: [{ selector: `pal:namespace == '${ns}' && app == 'db'` }, { selector: 'has(tier)' }],
        ports: [{ protocol: 'TCP', port: 80 }],
      }),
    ),
  (ns) =>
    makePolicy(
      ns,
      'p',
      withSelector(`app == 'db' && pal:namespace == '${ns}'`),
      withTypes('Ingress', 'Egress'),
      withIngress({
        peers: [{ selector: "ns:team == 'x'" }, { selector: 'has(ns:env) && !has(tier)' }],
        ports: [{ protocol: 'TCP', port: 'http' }],
      }),
      withEgress({
        peers: [{ selector: "app == 'web'" }, { cidr: '10.0.0.0/8', except: ['10.0.0.2/32'] }],
        ports: [
          { protocol: 'TCP', port: 'http' },
          { protocol: 'UDP', port: 'dns' },
        ],
      }),
    ),
  (ns) =>
    makePolicy(
      ns,
      'p',
      withSelector("app in {'api', 'web'}"),
      withTypes('Ingress', 'Egress'),
      withError,
    ),
  (ns) =>
    makePolicy(
      ns,
      'p',
      withSelector('all()'),
      withOrder(10),
      withTypes('Egress'),
      withEgress(
        { action: 'Deny', peers: [{ cidr: '10.0.0.0/8', except: ['10.0.0.2/32'] }] },
        {
          peers: [{ selector: "ns:env == 'prod'" }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 1000, endPort: 2000 },
          ],
        },
      ),
    ),
];

const CLUSTER_POLICIES = 3;
type ClusterTemplate = (name: string) => ReturnType<typeof makeClusterPolicy>;
const CLUSTER_TEMPLATES: ClusterTemplate[] = [
  (n) => makeClusterPolicy(n, cnpTier('Admin', 5), cnpIngress({ action: 'Deny' })),
  (n) =>
    makeClusterPolicy(
      n,
      cnpTier('Baseline', 5),
      cnpSelector("app == 'web'"),
      cnpIngress({ action: 'Pass', peers: [{ selector: "app == 'db'" }] }, { action: 'Deny' }),
      cnpEgress({ peers: [{ selector: "ns:team == 'x'" }], ports: [{ protocol: 'TCP', port: 'http' }] }),
    ),
  (n) =>
    makeClusterPolicy(
      n,
      cnpTier('Admin', 1),
      cnpSelector("ns:env == 'prod'"),
      cnpEgress({ action: 'Accept', peers: [{ cidr: '10.0.0.0/24', except: [] }] }),
    ),
  (n) => makeClusterPolicy(n, cnpTier('Baseline', 0), cnpSelector("app == 'db'"), cnpError, cnpIngress({})),
  (n) => makeClusterPolicy(n, cnpTier('Admin', 5), cnpSelector('bad ((('), cnpIngress({})),
];

function clusterPolicyObject(j: number, id: number): UniverseObject {
  return {
    id,
    variant: (v) => cnpInput((CLUSTER_TEMPLATES[(j + v) % CLUSTER_TEMPLATES.length] ?? CLUSTER_TEMPLATES[0]!)(`cnp-${j}`)),
  };
}

export interface UniverseObject {
  id: number;
  variant(v: number): CalcInput;
}

function nsObject(i: number): UniverseObject {
  const name = NAMESPACES[i] ?? 'ns-a';
  return {
    id: i,
    variant: (v) => nsInput(makeNamespace(name, NS_LABELS[(i + v) % NS_LABELS.length])),
  };
}

function endpointObject(i: number, id: number): UniverseObject {
  const ns = NAMESPACES[i % NAMESPACES.length] ?? 'ns-a';
  return {
    id,
    variant: (v) => {
      const k = i + v;
      const ips = [IPS[k % IPS.length] ?? '10.0.0.9'];
      if (k % 3 === 0) ips.push(`fd00::${(k % 4) + 1}`);
      return epInput(
        makeEndpoint(ns, `pod-${i}`, {
          node: k % 2 === 0 ? LOCAL_NODE : 'node-2',
          ips,
          labels: {
            app: APPS[(i * 7 + v) % APPS.length] ?? 'web',
            ...((i + 2 * v) % 3 === 0 ? { tier: 'a' } : {}),
          },
          ports: PORTS[k % PORTS.length] ?? [],
        }),
      );
    },
  };
}

function policyObject(j: number, id: number): UniverseObject {
  const ns = NAMESPACES[j % NAMESPACES.length] ?? 'ns-a';
  return {
    id,
    variant: (v) => {
      const p = (TEMPLATES[(j + v) % TEMPLATES.length] ?? TEMPLATES[0]!)(ns);
      p.metadata.name = `policy-${j}`;
      return policyInput(p);
    },
  };
}

/** Namespaces first, then policies and cluster policies, then endpoints: the canonical replay order. */
export function universe(): UniverseObject[] {
  const out: UniverseObject[] = [];
  NAMESPACES.forEach((_, i) => out.push(nsObject(i)));
  for (let j = 0; j < POLICIES; j++) out.push(policyObject(j, out.length));
  for (let j = 0; j < CLUSTER_POLICIES; j++) out.push(clusterPolicyObject(j, out.length));
  for (let i = 0; i < ENDPOINTS; i++) out.push(endpointObject(i, out.length));
  return out;
}
