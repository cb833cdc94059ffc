/**
 * EventSequencer: buffers what the graph decided and, on flush, emits only the
 * difference from what was last flushed, in dependency order:
 *
 *   IpSetUpdate / IpSetDeltaUpdate → PolicyUpdate → EndpointUpdate
 *   → EndpointRemove → PolicyRemove → IpSetRemove
 *
 * Creations and changes go first so nothing is referenced before it exists; removals
 * go last, in reverse, so nothing disappears while referenced. Because every object
 * is compared with its last flushed state, each appears at most once per flush with
 * its final state, a set created and deleted within one flush emits nothing, and pod
 * churn that only moves members yields IpSetDeltaUpdate alone. A set deleted and
 * recreated within one flush becomes a delta against its flushed members.
 */
import type {
  CalcMessage,
  EndpointUpdate,
  IpSetId,
  IpSetRemove,
  ObjectRef,
  PolicyRemove,
  PolicyUpdate,
  RuleSpec,
} from '../messages.js';
import { ipSetKey } from './ipSetDefs.js';

interface SetState {
  id: IpSetId;
  live: boolean;
  /** The dataplane has it (as of the last flush). */
  flushed: boolean;
  members: Set<string>;
  /** Net change since the flush: +1 added, -1 removed. Unused once `snapshot` is set. */
  delta: Map<string, 1 | -1>;
  /** Flushed members, captured when a flushed set is deleted within a flush. */
  snapshot: Set<string> | null;
}

interface Pending<T> {
  ref: ObjectRef;
  value: T | null;
}

const byKey = <T>(a: [string, T], b: [string, T]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

export class EventSequencer {
  private readonly sets = new Map<string, SetState>();
  private readonly dirtySets = new Set<string>();
  private readonly pendingPolicies = new Map<string, Pending<PolicyUpdate>>();
  private readonly flushedPolicies = new Map<string, string>();
  private readonly pendingEndpoints = new Map<string, Pending<EndpointUpdate>>();
  private readonly flushedEndpoints = new Map<string, string>();

  setCreated(id: IpSetId): void {
    const key = ipSetKey(id);
    const st = this.sets.get(key);
    if (st?.live) return;
    if (st) {
      st.live = true;
      st.members = new Set();
    } else {
      this.sets.set(key, {
        id,
        live: true,
        flushed: false,
        members: new Set(),
        delta: new Map(),
        snapshot: null,
      });
    }
    this.dirtySets.add(key);
  }

  setRemoved(id: IpSetId): void {
    const key = ipSetKey(id);
    const st = this.sets.get(key);
    if (!st?.live) return;
    if (!st.flushed) {
      this.sets.delete(key);
      this.dirtySets.delete(key);
      return;
    }
    if (st.snapshot === null) {
      st.snapshot = new Set(st.members);
      for (const [m, d] of st.delta) {
        if (d > 0) st.snapshot.delete(m);
        else st.snapshot.add(m);
      }
    }
    st.live = false;
    st.members = new Set();
    this.dirtySets.add(key);
  }

  memberAdded(id: IpSetId, member: string): void {
    this.changeMember(id, member, 1);
  }

  memberRemoved(id: IpSetId, member: string): void {
    this.changeMember(id, member, -1);
  }

  policyUpdated(
    ref: ObjectRef,
    rules: { inbound: RuleSpec[] | null; outbound: RuleSpec[] | null },
  ): void {
    const value: PolicyUpdate = {
      type: 'PolicyUpdate',
      policy: ref,
      inbound: rules.inbound,
      outbound: rules.outbound,
    };
    this.pendingPolicies.set(`${ref.namespace}/${ref.name}`, { ref, value });
  }

  policyRemoved(ref: ObjectRef): void {
    this.pendingPolicies.set(`${ref.namespace}/${ref.name}`, { ref, value: null });
  }

  endpointUpdated(msg: EndpointUpdate): void {
    const ref = msg.endpoint;
    this.pendingEndpoints.set(`${ref.namespace}/${ref.name}`, { ref, value: msg });
  }

  endpointRemoved(ref: ObjectRef): void {
    this.pendingEndpoints.set(`${ref.namespace}/${ref.name}`, { ref, value: null });
  }

  flush(): CalcMessage[] {
    const sets = this.flushSets();
    const policies = this.flushObjects(
      this.pendingPolicies,
      this.flushedPolicies,
      (ref): PolicyRemove => ({
        type: 'PolicyRemove',
        policy: ref,
      }),
    );
    const endpoints = this.flushObjects(this.pendingEndpoints, this.flushedEndpoints, (ref) => ({
      type: 'EndpointRemove' as const,
      endpoint: ref,
    }));
    return [
      ...sets.updates,
      ...policies.updates,
      ...endpoints.updates,
      ...endpoints.removes,
      ...policies.removes,
      ...sets.removes,
    ];
  }

  private changeMember(id: IpSetId, member: string, sign: 1 | -1): void {
    const key = ipSetKey(id);
    const st = this.sets.get(key);
    if (!st?.live) return;
    if (sign > 0 ? st.members.has(member) : !st.members.has(member)) return;
    if (sign > 0) st.members.add(member);
    else st.members.delete(member);
    if (st.flushed && st.snapshot === null) {
      if (st.delta.get(member) === -sign) st.delta.delete(member);
      else st.delta.set(member, sign);
    }
    this.dirtySets.add(key);
  }

  private flushSets(): { updates: CalcMessage[]; removes: IpSetRemove[] } {
    const updates: CalcMessage[] = [];
    const removes: IpSetRemove[] = [];
    for (const key of sorted(this.dirtySets)) {
      const st = this.sets.get(key);
      if (!st) continue;
      if (!st.live) {
        removes.push({ type: 'IpSetRemove', set: st.id });
        this.sets.delete(key);
        continue;
      }
      if (!st.flushed) {
        updates.push({ type: 'IpSetUpdate', set: st.id, members: sorted(st.members) });
      } else {
        const { added, removed } = this.netDelta(st);
        if (added.length > 0 || removed.length > 0)
          updates.push({ type: 'IpSetDeltaUpdate', set: st.id, added, removed });
      }
      st.flushed = true;
      st.delta.clear();
      st.snapshot = null;
    }
    this.dirtySets.clear();
    return { updates, removes };
  }

  private netDelta(st: SetState): { added: string[]; removed: string[] } {
    if (st.snapshot === null) {
      const added: string[] = [];
      const removed: string[] = [];
      for (const [m, d] of st.delta) (d > 0 ? added : removed).push(m);
      return { added: added.sort(), removed: removed.sort() };
    }
    const snap = st.snapshot;
    return {
      added: sorted([...st.members].filter((m) => !snap.has(m))),
      removed: sorted([...snap].filter((m) => !st.members.has(m))),
    };
  }

  private flushObjects<T, R>(
    pending: Map<string, Pending<T>>,
    flushed: Map<string, string>,
    remove: (ref: ObjectRef) => R,
  ): { updates: T[]; removes: R[] } {
    const updates: T[] = [];
    const removes: R[] = [];
    for (const [key, { ref, value }] of [...pending].sort(byKey)) {
      if (value === null) {
        if (flushed.delete(key)) removes.push(remove(ref));
        continue;
      }
      const fingerprint = JSON.stringify(value);
      if (flushed.get(key) === fingerprint) continue;
      flushed.set(key, fingerprint);
      updates.push(value);
    }
    pending.clear();
    return { updates, removes };
  }
}
