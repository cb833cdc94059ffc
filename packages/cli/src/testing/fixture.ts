/**
 * A small shop: front (TCP 80 from anywhere), mid (only from front), db (only from
 * mid on 6379), plus a policy whose translation failed. Used by the program tests.
 */
import type { ModelData } from '../view/modelView.js';
import type { ModelSource } from '../source.js';
import type { CliContext } from '../context.js';
import { CapturedOutput } from '../output/io.js';
import {
  cnpEgress,
  cnpIngress,
  cnpSelector,
  cnpWarnings,
  makeClusterPolicy,
  subject,
  tier,
  ingressRule,
  ip,
  labels,
  makeAgent,
  makeData,
  makeEndpoint,
  makeNamespace,
  makePolicy,
  namedPort,
  onNode,
  peer,
  podSelector,
  storedAgents,
  withError,
} from './builders.js';

export function shopData(agentRevision = '20', extra: Partial<ModelData> = {}): ModelData {
  const data = makeData({
    namespaces: [makeNamespace('shop', { team: 'blue' }), makeNamespace('outside')],
    endpoints: [
      makeEndpoint('shop', 'front', ip('10.0.1.1'), labels({ app: 'front' }), onNode('node-a'), namedPort('http', 80)),
      makeEndpoint('shop', 'mid', ip('10.0.2.1'), labels({ app: 'mid' }), onNode('node-b')),
      makeEndpoint('shop', 'db', ip('10.0.1.2'), labels({ app: 'db' }), onNode('node-a'), namedPort('redis', 6379)),
      makeEndpoint('outside', 'client', ip('10.0.2.2'), labels({ app: 'client' }), onNode('node-b')),
    ],
    policies: [
      makePolicy('shop', 'allow-front', podSelector({ matchLabels: { app: 'front' } }), ingressRule({ ports: [{ port: 'http' }] })),
      makePolicy('shop', 'allow-mid', podSelector({ matchLabels: { app: 'mid' } }), ingressRule({ peers: [peer('shop', { podSelector: { matchLabels: { app: 'front' } } })] })),
      makePolicy('shop', 'allow-db', podSelector({ matchLabels: { app: 'db' } }), ingressRule({ ports: [{ port: 6379 }], peers: [peer('shop', { podSelector: { matchLabels: { app: 'mid' } } })] })),
      makePolicy('outside', 'broken', podSelector({ matchLabels: { app: 'nothing' } }), withError('spec.ingress[0].ports[0].port', 'named port "Bad!" is invalid')),
    ],
  });
  data.modelRevision = '20';
  data.revision = '25';
  data.agents = storedAgents([makeAgent('node-a', agentRevision), makeAgent('node-b', agentRevision)], 24);
  data.leader = { id: 'controller-7f9c', since: '2025-01-01T00:00:00.000Z' };
  return { ...data, ...extra };
}

/**
 * The shop plus cluster policies: an Admin guard on db that passes mid (to the
 * NetworkPolicies) and denies everyone else, an Admin egress Accept to DNS, and a
 * Baseline default deny for namespace outside.
 */
export function clusterShopData(): ModelData {
  const data = shopData();
  const shop = { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } };
  const more = makeData({
    clusterPolicies: [
      makeClusterPolicy(
        'guard-db',
        tier('Admin', 10),
        subject(cnpSelector({ namespaces: shop, pods: { matchLabels: { app: 'db' } } })),
        cnpIngress(
          { name: 'pass-mid', action: 'Pass', peers: [{ selector: cnpSelector({ namespaces: shop, pods: { matchLabels: { app: 'mid' } } }) }] },
          { name: 'deny-others', action: 'Deny' },
        ),
      ),
      makeClusterPolicy(
        'allow-dns',
        tier('Admin', 5),
        cnpEgress({ name: 'dns', action: 'Accept', peers: [{ cidr: '10.96.0.10/32' }], ports: [{ protocol: 'UDP', port: 53 }] }),
        cnpWarnings('spec.egress[1].to[0].domainNames: not supported; the rule fails closed'),
      ),
      makeClusterPolicy(
        'outside-default-deny',
        tier('Baseline', 100),
        subject(cnpSelector({ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'outside' } } })),
        cnpIngress({ name: 'deny-all', action: 'Deny' }),
      ),
    ],
  });
  return { ...data, clusterPolicies: more.clusterPolicies.map((s, i) => ({ ...s, modRevision: String(21 + i) })) };
}

export interface TestContext extends CliContext {
  out: CapturedOutput;
  loads: number;
  opened: string[][];
}

/** A context whose source serves `datas` in turn (the last one repeats). */
export function testContext(...datas: (ModelData | Error)[]): TestContext {
  const ctx: TestContext = {
    out: new CapturedOutput(),
    env: {},
    homeDir: '/nonexistent',
    readFile: () => null,
    now: () => new Date('2025-01-01T00:01:00.000Z'),
    sleep: () => Promise.resolve(),
    exitCode: 0,
    loads: 0,
    opened: [],
    openSource: (opts): ModelSource => {
      ctx.opened.push(opts.endpoints);
      return {
        load: () => {
          const d = datas[Math.min(ctx.loads, datas.length - 1)];
          ctx.loads += 1;
          return d instanceof Error ? Promise.reject(d) : Promise.resolve(structuredClone(d as ModelData));
        },
        close: () => Promise.resolve(),
      };
    },
  };
  return ctx;
}
