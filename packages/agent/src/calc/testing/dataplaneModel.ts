/**
 * A tiny model of the dataplane for tests: applies CalcMessages in order and fails
 * loudly on anything a real dataplane could not do safely: a message out of phase,
 * the same object twice in one flush, a reference to something that does not exist,
 * a removal of something still referenced, a delta that does not fit the set, or an
 * update that changes nothing.
 */
import type {
  CalcMessage,
  DirectionSpec,
  EndpointUpdate,
  IpSetId,
  ObjectRef,
  PolicyUpdate,
  RuleSpec,
} from '../../messages.js';

const PHASE: Record<CalcMessage['type'], number> = {
  IpSetUpdate: 0,
  IpSetDeltaUpdate: 0,
  PolicyUpdate: 1,
  EndpointUpdate: 2,
  EndpointRemove: 3,
  PolicyRemove: 4,
  IpSetRemove: 5,
};

const setKey = (id: IpSetId): string => `${id.kind}:${id.identity}`;
/** Every policy a direction jumps to, in all tiers. */
const refsOf = (spec: DirectionSpec): ObjectRef[] => [
  ...(spec.admin ?? []),
  ...spec.policies,
  ...(spec.baseline ?? []),
];
const refKey = (r: ObjectRef): string => `${r.namespace}/${r.name}`;

function setsOf(rules: RuleSpec[] | null): string[] {
  const out: string[] = [];
  for (const r of rules ?? []) {
    for (const p of r.peers ?? []) if (p.kind === 'ipset') out.push(setKey(p.set));
    for (const p of r.ports ?? []) if (p.kind === 'named') out.push(setKey(p.set));
  }
  return out;
}

export interface ModelState {
  sets: Record<string, string[]>;
  policies: Record<string, PolicyUpdate>;
  endpoints: Record<string, EndpointUpdate>;
}

export class DataplaneModel {
  readonly sets = new Map<string, Set<string>>();
  readonly policies = new Map<string, PolicyUpdate>();
  readonly endpoints = new Map<string, EndpointUpdate>();
  messages = 0;

  applyFlush(msgs: CalcMessage[]): void {
    let phase = 0;
    const seen = new Set<string>();
    for (const m of msgs) {
      const p = PHASE[m.type];
      if (p < phase) throw new Error(`${m.type} after phase ${phase}`);
      phase = p;
      const id = this.objectId(m);
      if (seen.has(id)) throw new Error(`${id} twice in one flush`);
      seen.add(id);
      this.apply(m);
      this.messages++;
    }
    this.checkDirections();
  }

  state(): ModelState {
    const sort = <T>(m: Map<string, T>): [string, T][] =>
      [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      sets: Object.fromEntries(sort(this.sets).map(([k, v]) => [k, [...v].sort()])),
      policies: Object.fromEntries(sort(this.policies)),
      endpoints: Object.fromEntries(sort(this.endpoints)),
    };
  }

  private objectId(m: CalcMessage): string {
    switch (m.type) {
      case 'IpSetUpdate':
      case 'IpSetDeltaUpdate':
      case 'IpSetRemove':
        return `set ${setKey(m.set)}`;
      case 'PolicyUpdate':
      case 'PolicyRemove':
        return `policy ${refKey(m.policy)}`;
      case 'EndpointUpdate':
      case 'EndpointRemove':
        return `endpoint ${refKey(m.endpoint)}`;
    }
  }

  private apply(m: CalcMessage): void {
    switch (m.type) {
      case 'IpSetUpdate':
        if (this.sets.has(setKey(m.set)))
          throw new Error(`IpSetUpdate of existing ${setKey(m.set)}`);
        this.sets.set(setKey(m.set), new Set(m.members));
        return;
      case 'IpSetDeltaUpdate':
        return this.applyDelta(m.set, m.added, m.removed);
      case 'IpSetRemove':
        return this.removeSet(setKey(m.set));
      case 'PolicyUpdate':
        return this.updatePolicy(m);
      case 'PolicyRemove':
        return this.removePolicy(refKey(m.policy));
      case 'EndpointUpdate':
        return this.updateEndpoint(m);
      case 'EndpointRemove':
        if (!this.endpoints.delete(refKey(m.endpoint)))
          throw new Error(`remove of unknown endpoint ${refKey(m.endpoint)}`);
        return;
    }
  }

  private applyDelta(id: IpSetId, added: string[], removed: string[]): void {
    const set = this.sets.get(setKey(id));
    if (!set) throw new Error(`delta for unknown set ${setKey(id)}`);
    if (added.length + removed.length === 0) throw new Error(`empty delta for ${setKey(id)}`);
    for (const a of added) {
      if (set.has(a)) throw new Error(`delta adds present ${a} to ${setKey(id)}`);
      set.add(a);
    }
    for (const r of removed) {
      if (!set.delete(r)) throw new Error(`delta removes absent ${r} from ${setKey(id)}`);
    }
  }

  private removeSet(key: string): void {
    if (!this.sets.has(key)) throw new Error(`remove of unknown set ${key}`);
    for (const [pk, p] of this.policies)
      if ([...setsOf(p.inbound), ...setsOf(p.outbound)].includes(key))
        throw new Error(`set ${key} removed while ${pk} uses it`);
    this.sets.delete(key);
  }

  private updatePolicy(m: PolicyUpdate): void {
    const key = refKey(m.policy);
    for (const s of [...setsOf(m.inbound), ...setsOf(m.outbound)])
      if (!this.sets.has(s)) throw new Error(`policy ${key} references missing set ${s}`);
    if (JSON.stringify(this.policies.get(key)) === JSON.stringify(m))
      throw new Error(`no-op PolicyUpdate ${key}`);
    this.policies.set(key, m);
  }

  /**
   * A policy losing a direction and the endpoints that stop using it arrive in one
   * flush (policy first), which the dataplane applies as one transaction; so the
   * direction check holds per flush, not per message.
   */
  private checkDirections(): void {
    for (const [ek, e] of this.endpoints) {
      for (const [dir, spec] of [
        ['inbound', e.ingress],
        ['outbound', e.egress],
      ] as const)
        for (const r of refsOf(spec))
          if (this.policies.get(refKey(r))?.[dir] === null)
            throw new Error(`endpoint ${ek} uses ${refKey(r)} ${dir}, which it lacks`);
    }
  }

  private removePolicy(key: string): void {
    if (!this.policies.has(key)) throw new Error(`remove of unknown policy ${key}`);
    for (const [ek, e] of this.endpoints)
      if ([...refsOf(e.ingress), ...refsOf(e.egress)].some((r) => refKey(r) === key))
        throw new Error(`policy ${key} removed while ${ek} uses it`);
    this.policies.delete(key);
  }

  private updateEndpoint(m: EndpointUpdate): void {
    const key = refKey(m.endpoint);
    for (const spec of [m.ingress, m.egress]) {
      if (spec.isolated !== spec.policies.length > 0)
        throw new Error(`endpoint ${key}: isolated disagrees with policies`);
      if (spec.admin?.length === 0 || spec.baseline?.length === 0)
        throw new Error(`endpoint ${key}: empty tier list (must be absent)`);
      for (const r of refsOf(spec))
        if (!this.policies.has(refKey(r)))
          throw new Error(`endpoint ${key} references missing policy ${refKey(r)}`);
    }
    if (JSON.stringify(this.endpoints.get(key)) === JSON.stringify(m))
      throw new Error(`no-op EndpointUpdate ${key}`);
    this.endpoints.set(key, m);
  }
}
