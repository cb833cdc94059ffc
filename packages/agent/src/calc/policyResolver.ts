/**
 * PolicyResolver: for each endpoint on this node, its IPs and the ordered policies
 * that apply per direction.
 *
 * Endpoints are only marked dirty as events arrive and resolved at flush, after the
 * rules of every newly active policy have been scanned, so an EndpointUpdate never
 * names a policy the same flush does not also define. Order is (order, namespace,
 * name), the same total order on every node; for cluster policies (one namespace,
 * order = priority) that is (priority, name) within each tier, so equal priorities are
 * ordered by name. The sequencer drops updates that equal
 * what was last flushed, so marking too much is only a little wasted work.
 */
import type { DirectionSpec, EndpointUpdate, ObjectRef } from '../messages.js';
import type { ActivePolicyCalculator, PolicyRecord } from './activePolicyCalculator.js';
import type { EventSequencer } from './eventSequencer.js';
import type { LabelIndex } from './labelIndex.js';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function comparePolicies(a: PolicyRecord, b: PolicyRecord): number {
  return (
    a.policy.spec.order - b.policy.spec.order ||
    cmp(a.ref.namespace, b.ref.namespace) ||
    cmp(a.ref.name, b.ref.name)
  );
}

export class PolicyResolver {
  private readonly dirty = new Map<string, ObjectRef>();
  /** Local endpoints as of the last resolution. */
  private readonly known = new Map<string, ObjectRef>();

  constructor(
    private readonly deps: {
      nodeName: string;
      labels: LabelIndex;
      active: ActivePolicyCalculator;
      sequencer: EventSequencer;
    },
  ) {}

  markDirty(key: string, ref?: ObjectRef): void {
    const known = ref ?? this.known.get(key) ?? this.deps.labels.get(key)?.ref;
    if (known) this.dirty.set(key, known);
  }

  /** The endpoint's policy lists, or null when it is not a known local endpoint. */
  resolve(key: string): { ips: string[]; ingress: DirectionSpec; egress: DirectionSpec } | null {
    const ep = this.deps.labels.get(key);
    if (!ep || ep.node !== this.deps.nodeName) return null;
    const policies = this.deps.active.policiesFor(this.deps.labels.matchesOf(key));
    const unique = [
      ...new Map(policies.map((p) => [`${p.ref.namespace}/${p.ref.name}`, p])).values(),
    ];
    unique.sort(comparePolicies);
    const direction = (type: 'Ingress' | 'Egress'): DirectionSpec => {
      const applying = unique.filter((p) => p.policy.spec.types.includes(type));
      const tier = (t: string | undefined): ObjectRef[] =>
        applying.filter((p) => p.policy.spec.tier === t).map((p) => ({ ...p.ref }));
      const policies = tier(undefined);
      const spec: DirectionSpec = { isolated: policies.length > 0, policies };
      // Only endpoints that cluster policies select carry tier lists (and pay for them).
      const admin = tier('Admin');
      const baseline = tier('Baseline');
      if (admin.length > 0) spec.admin = admin;
      if (baseline.length > 0) spec.baseline = baseline;
      return spec;
    };
    return { ips: [...ep.ips], ingress: direction('Ingress'), egress: direction('Egress') };
  }

  flush(): void {
    for (const [key, ref] of this.dirty) {
      const resolved = this.resolve(key);
      if (resolved === null) {
        if (this.known.delete(key)) this.deps.sequencer.endpointRemoved(ref);
        continue;
      }
      const ep = this.deps.labels.get(key);
      const endpoint = ep ? { ...ep.ref } : ref;
      this.known.set(key, endpoint);
      const msg: EndpointUpdate = { type: 'EndpointUpdate', endpoint, ...resolved };
      this.deps.sequencer.endpointUpdated(msg);
    }
    this.dirty.clear();
  }
}
