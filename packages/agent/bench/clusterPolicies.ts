/**
 * `pnpm bench agent --cnps N`: N ClusterNetworkPolicies on top of the namespaced
 * policies, and scenario (g), the cost of changing one of them.
 *
 * The CNPs are the expensive kind: every subject selector selects every pod, so each
 * local endpoint chain carries an Admin block (and a Baseline block) with a jump per
 * CNP. Two in three are Admin, one in three Baseline; priorities are distinct within
 * a tier; rules mix Accept, Deny and Pass with namespace and pod selector peers,
 * numbered and named ports, and an IP block.
 */
import {
  ALL_SELECTOR,
  API_VERSION,
  ClusterPolicySchema,
  type ClusterPolicy,
  type ClusterRule,
} from '@palisade/model';
import type { CalcInput } from '../src/calc/index.js';
import type { Recorded } from './applyRatio.js';

const ACTIONS = ['Deny', 'Accept', 'Pass'] as const;

/** Admin rules cycle Deny, Accept, Pass; Baseline has no Pass (the last tier). */
function ingressRules(k: number, admin: boolean): ClusterRule[] {
  return [
    {
      name: `from-team-${k % 20}`,
      action: admin ? ACTIONS[k % 3]! : 'Deny',
      peers: [{ selector: `ns:team == 'team-${k % 20}'` }],
      ports: [{ protocol: 'TCP', port: 8000 + k }],
    },
    {
      name: `from-app-${k % 50}`,
      action: k % 2 === 0 || !admin ? 'Accept' : 'Pass',
      peers: [{ selector: `ns:env == 'prod' && app == 'app-${k % 50}'` }],
      ports: [
        { protocol: 'TCP', port: 'http' },
        { protocol: 'UDP', port: 5000 + k },
      ],
    },
  ];
}

function egressRules(k: number, admin: boolean): ClusterRule[] {
  if (k % 2 === 1) return [];
  return [
    {
      name: 'no-metadata',
      action: 'Deny',
      peers: [{ cidr: '169.254.169.254/32', except: [] }],
      ports: [],
    },
    {
      name: `to-app-${(k * 7) % 50}`,
      action: k % 4 === 0 || !admin ? 'Accept' : 'Pass',
      peers: [{ selector: `app == 'app-${(k * 7) % 50}'` }],
      ports: [{ protocol: 'TCP', port: 9000, endPort: 9100 }],
    },
  ];
}

/** CNP `k` of the bench: `cnp-<k>`, Admin unless k % 3 == 2. */
export function benchClusterPolicy(k: number): ClusterPolicy {
  const admin = k % 3 !== 2;
  return ClusterPolicySchema.parse({
    apiVersion: API_VERSION,
    kind: 'ClusterPolicy',
    metadata: { name: `cnp-${String(k).padStart(3, '0')}` },
    spec: {
      tier: admin ? 'Admin' : 'Baseline',
      priority: Math.min(1000, 10 * k),
      selector: ALL_SELECTOR,
      ingress: ingressRules(k, admin),
      egress: egressRules(k, admin),
    },
  });
}

export function benchClusterPolicies(n: number): CalcInput[] {
  return Array.from({ length: n }, (_, k) => {
    const value = benchClusterPolicy(k);
    return { kind: 'clusterPolicy', name: value.metadata.name, value };
  });
}

const KINDS: [RegExp, string][] = [
  [/^pal-c[io]-/, 'cluster policy (pal-ci-/pal-co-)'],
  [/^pal-p[io]-/, 'policy (pal-pi-/pal-po-)'],
  [/^pal-[tf]w-/, 'endpoint (pal-tw-/pal-fw-)'],
  [/^pal-(d[tf]-|to-wl-dispatch|from-wl-dispatch)/, 'dispatch'],
];

export interface ChainsRewritten {
  /** Restore commands that carried iptables lines. */
  restores: number;
  /** Distinct chains written (declared, edited, flushed or deleted), per family. */
  perFamily: Record<string, number>;
  /** Chains per kind, both families together. */
  byKind: Record<string, number>;
  /** `v4:pal-ci-…`, at most 12. */
  sample: string[];
}

/** Which chains the recorded iptables-restore inputs touched. */
export function chainsRewritten(writes: Recorded[]): ChainsRewritten {
  const out: ChainsRewritten = { restores: 0, perFamily: {}, byKind: {}, sample: [] };
  for (const w of writes) {
    if (!w.cmd.includes('tables')) continue;
    const family = w.cmd.startsWith('ip6') ? 'v6' : 'v4';
    const chains = new Set(
      [...(w.input ?? '').matchAll(/^(?:-[AIRDFX] |:)(\S+)/gm)].map((m) => m[1]!),
    );
    if (chains.size === 0) continue;
    out.restores++;
    out.perFamily[family] = (out.perFamily[family] ?? 0) + chains.size;
    for (const c of chains) {
      const kind = KINDS.find(([re]) => re.test(c))?.[1] ?? c;
      out.byKind[kind] = (out.byKind[kind] ?? 0) + 1;
      if (out.sample.length < 12) out.sample.push(`${family}:${c}`);
    }
  }
  return out;
}

export function describeChains(c: ChainsRewritten): string {
  const kinds = Object.entries(c.byKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const total = Object.values(c.perFamily).reduce((n, x) => n + x, 0);
  return `${c.restores} restore(s), ${total} chain(s)${kinds ? `: ${kinds}` : ''}${
    c.sample.length > 0 && total <= 12 ? ` [${c.sample.join(', ')}]` : ''
  }`;
}

/** One edit of scenario (g): a new value of one CNP and what it should cost. */
export interface CnpEdit {
  what: string;
  value: ClusterPolicy;
  expect: string;
}

/** The three edits of (g), on the first Admin CNP (`cnp-000`, priority 0). */
export function cnpEdits(): CnpEdit[] {
  const base = benchClusterPolicy(0);
  const action = structuredClone(base);
  action.spec.ingress[0]!.action = 'Accept';
  const sameOrder = structuredClone(action);
  sameOrder.spec.priority = 5; // the next Admin CNP has priority 10: order kept
  const reorder = structuredClone(sameOrder);
  reorder.spec.priority = 1000; // last of the Admin tier
  return [
    {
      what: 'rule action Deny -> Accept',
      value: action,
      expect: 'that policy chain only',
    },
    { what: 'priority 0 -> 5 (order kept)', value: sameOrder, expect: 'nothing' },
    {
      what: 'priority 5 -> 1000 (order changes)',
      value: reorder,
      expect: 'endpoint chains only',
    },
  ];
}
