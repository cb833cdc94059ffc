import { clusterPolicyKey, endpointKey, namespaceKey, policyKey, type ClusterPolicy, type Policy } from '@palisade/model';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createControllerMetrics } from './metrics.js';
import { ModelBuilder } from './modelBuilder.js';
import type { ObjectKind } from './reconciler.js';
import { cnpEgress, ingress, makeClusterNetworkPolicy, makeNamespace, makeNetworkPolicy, makePod, onNode, podIPs } from './testing/builders.js';

/** Records the desired state the builder produces. */
class DesiredMap {
  readonly values = new Map<string, unknown>();
  set(key: string, _kind: ObjectKind, value: unknown): void {
    if (value === null) this.values.delete(key);
    else this.values.set(key, value);
  }
  get(key: string): unknown {
    return this.values.get(key) ?? null;
  }
}

/** Records what the status writer is told. */
class StatusLog {
  readonly events: string[] = [];
  observe(cnp: { metadata?: { name?: string } }, policy: ClusterPolicy): void {
    this.events.push(`observe ${cnp.metadata?.name} ${policy.spec.warnings.length}`);
  }
  forget(name: string): void {
    this.events.push(`forget ${name}`);
  }
}

function setup() {
  const desired = new DesiredMap();
  const registry = new Registry();
  const metrics = createControllerMetrics(registry);
  const status = new StatusLog();
  return { desired, registry, status, builder: new ModelBuilder({ reconciler: desired, metrics, status }) };
}

describe('ModelBuilder', () => {
  it.each([
    ['moves node: old key cleared, new key set', [makePod('p', 'ns1'), makePod('p', 'ns1', onNode('node-2'))], [endpointKey('node-2', 'ns1', 'p')]],
    ['loses its IP: key cleared', [makePod('p', 'ns1'), makePod('p', 'ns1', podIPs())], []],
    ['IP changes: same key', [makePod('p', 'ns1'), makePod('p', 'ns1', podIPs('10.0.0.9'))], [endpointKey('node-1', 'ns1', 'p')]],
    ['finishes', [makePod('p', 'ns1'), makePod('p', 'ns1', (x) => (x.status!.phase = 'Succeeded'))], []],
    ['becomes untranslatable: key cleared', [makePod('p', 'ns1'), makePod('p', 'ns1', onNode('Bad_Node'))], []],
  ])('pod %s', (_d, versions, keys) => {
    const { desired, builder } = setup();
    for (const v of versions) builder.podUpserted(v);
    expect([...desired.values.keys()]).toEqual(keys);
  });

  it('pod delete clears its key', () => {
    const { desired, builder } = setup();
    builder.podUpserted(makePod('p', 'ns1'));
    builder.podDeleted(makePod('p', 'ns1'));
    expect(desired.values.size).toBe(0);
  });

  it('namespaces and policies are set and cleared', () => {
    const { desired, builder } = setup();
    builder.namespaceUpserted(makeNamespace('ns1'));
    builder.policyUpserted(makeNetworkPolicy('a', 'ns1'));
    expect([...desired.values.keys()]).toEqual([namespaceKey('ns1'), policyKey('ns1', 'a')]);
    builder.namespaceDeleted(makeNamespace('ns1'));
    builder.policyDeleted(makeNetworkPolicy('a', 'ns1'));
    expect(desired.values.size).toBe(0);
  });

  it('stores an invalid policy with spec.error, counts it once per version', async () => {
    const { desired, builder, registry } = setup();
    const bad = makeNetworkPolicy('bad', 'ns1', ingress({ ports: [{ port: 10, endPort: 5 }] }));
    builder.policyUpserted(bad);
    builder.policyUpserted(bad);
    const stored = desired.get(policyKey('ns1', 'bad')) as Policy;
    expect(stored.spec.error?.field).toBe('spec.ingress[0].ports[0].endPort');
    expect(stored.spec.ingress).toEqual([]);
    const text = await registry.metrics();
    expect(text).toContain('palisade_controller_invalid_policies_total 1');
    expect(text).toContain('palisade_controller_invalid_policies 1');
    builder.policyUpserted(makeNetworkPolicy('bad', 'ns1'));
    expect(await registry.metrics()).toContain('palisade_controller_invalid_policies 0');
  });

  it('skips objects that cannot be keyed and counts a translate error', async () => {
    const { desired, builder, registry } = setup();
    builder.policyUpserted(makeNetworkPolicy('Bad_Name', 'ns1'));
    builder.namespaceUpserted(makeNamespace('Bad_Name'));
    expect(desired.values.size).toBe(0);
    expect(await registry.metrics()).toContain('palisade_controller_errors_total{kind="translate"} 2');
  });

  it('cluster policies: set, updated, deleted, and told to the status writer', () => {
    const { desired, builder, status } = setup();
    builder.clusterPolicyUpserted(makeClusterNetworkPolicy('guard'));
    builder.clusterPolicyUpserted(makeClusterNetworkPolicy('guard', cnpEgress({ action: 'Deny', to: [{ domainNames: ['a.io'] }] })));
    const stored = desired.get(clusterPolicyKey('guard')) as ClusterPolicy;
    expect(stored.spec.egress).toEqual([{ name: 'egress[0]', action: 'Deny', peers: [], ports: [] }]);
    builder.clusterPolicyDeleted(makeClusterNetworkPolicy('guard'));
    expect(desired.values.size).toBe(0);
    expect(status.events).toEqual(['observe guard 0', 'observe guard 1', 'forget guard']);
  });

  it('cluster policies: all dropped when the API stops serving them', () => {
    const { desired, builder } = setup();
    builder.namespaceUpserted(makeNamespace('ns1'));
    builder.clusterPolicyUpserted(makeClusterNetworkPolicy('a'));
    builder.clusterPolicyUpserted(makeClusterNetworkPolicy('b'));
    expect(builder.counts().clusterPolicies).toBe(2);
    builder.clusterPoliciesGone();
    expect([...desired.values.keys()]).toEqual([namespaceKey('ns1')]);
    expect(builder.counts().clusterPolicies).toBe(0);
  });

  it('a cluster policy whose name cannot be stored is skipped and counted', async () => {
    const { desired, builder, registry, status } = setup();
    builder.clusterPolicyUpserted(makeClusterNetworkPolicy('Bad_Name'));
    expect(desired.values.size).toBe(0);
    expect(status.events).toEqual([]);
    expect(await registry.metrics()).toContain('palisade_controller_errors_total{kind="translate"} 1');
  });
});
