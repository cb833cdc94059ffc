import { endpointKey, namespaceKey, policyKey, type Policy } from '@palisade/model';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createControllerMetrics } from './metrics.js';
import { ModelBuilder } from './modelBuilder.js';
import type { ObjectKind } from './reconciler.js';
import { ingress, makeNamespace, makeNetworkPolicy, makePod, onNode, podIPs } from './testing/builders.js';

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

function setup() {
  const desired = new DesiredMap();
  const registry = new Registry();
  const metrics = createControllerMetrics(registry);
  return { desired, registry, builder: new ModelBuilder({ reconciler: desired, metrics }) };
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
});
