/**
 * ConnectionRevoker (agent option --revoke-connections): after an apply, deletes the
 * conntrack entries of connections that the new rules refuse, so that their next
 * packet is judged again instead of being accepted as ESTABLISHED.
 *
 * Guarantees and why:
 *  - Only refused connections are deleted. Each entry is judged by flowJudge against the
 *    same desired state the chains were rendered from; an allowed connection keeps its
 *    entry. (Deleting every entry of a changed endpoint and relying on the kernel's
 *    mid-stream pickup, nf_conntrack_tcp_loose, would not do: the endpoint chains drop
 *    such pickups when this option is on, see below.)
 *  - A deleted connection stays cut. Without help, the kernel would pick it up again
 *    from whichever side sends next, judged in that direction: a server streaming to a
 *    client whose ingress is open would revive a connection revoked at the server's
 *    ingress. So with this option the endpoint chains also drop TCP packets that open a
 *    conntrack entry without being a SYN (renderEndpointChain's `noPickup`).
 *  - Cheap: nothing runs unless a message could have narrowed access. Policy and whole
 *    set changes check every entry; an endpoint update checks that endpoint's IPs; an IP
 *    leaving a selector's set checks connections to or from that IP. A check that fails
 *    keeps its scope and is retried after the next apply (at the latest the periodic
 *    resync).
 *  - It runs after the rules are in place, so a connection it deletes meets the new rules.
 *
 * Like Table and IpSets, it touches the kernel only through the injected exec, so it runs
 * in whatever network namespace that exec targets.
 */
import { BlockList } from 'node:net';
import type { Logger } from '@palisade/common';
import type { IpFamily } from '@palisade/model';
import type {
  CalcMessage,
  EndpointUpdate,
  IpSetId,
  ObjectRef,
  PolicyUpdate,
} from '../../messages.js';
import type { Exec } from '../exec.js';
import { normalizeIp } from '../ipsets/members.js';
import {
  deleteArgs,
  forwardFlow,
  parseConntrackList,
  type ConntrackEntry,
} from './conntrackEntries.js';
import { judgeFlow, type PolicyView } from './flowJudge.js';

/** The desired state the chains were rendered from (the Dataplane's). */
export interface DesiredState {
  endpoints(): Iterable<EndpointUpdate>;
  policy(ref: ObjectRef): PolicyUpdate | undefined;
  members(set: IpSetId, family: IpFamily): ReadonlySet<string>;
}

export interface RevokeMetrics {
  /** Conntrack entries deleted. */
  revoked?: { inc(value?: number): void };
  /** Checks run (one conntrack listing per IP family each). */
  checks?: { inc(value?: number): void };
}

export interface ConnectionRevokerOptions {
  exec: Exec;
  logger: Logger;
  families: IpFamily[];
  metrics?: RevokeMetrics;
}

export interface RevokeResult {
  checked: number;
  revoked: number;
  durationMs: number;
}

export class ConnectionRevoker {
  /** The first check after a start covers everything: rules may have narrowed meanwhile. */
  private all = true;
  private readonly ips = new Set<string>();

  constructor(private readonly opts: ConnectionRevokerOptions) {}

  /** Records what the messages may have narrowed. Call before or after the Dataplane sees them. */
  observe(msgs: readonly CalcMessage[]): void {
    for (const msg of msgs) {
      switch (msg.type) {
        case 'PolicyUpdate':
        case 'PolicyRemove':
        case 'IpSetUpdate':
        case 'IpSetRemove':
          this.all = true;
          break;
        case 'IpSetDeltaUpdate':
          if (msg.removed.length === 0) break;
          if (msg.set.kind === 'c') this.all = true;
          for (const m of msg.removed) this.addIp(m.split(',')[0] ?? '');
          break;
        case 'EndpointUpdate':
          for (const ip of msg.ips) this.addIp(ip);
          break;
        case 'EndpointRemove':
          break; // the pod is gone: nothing of it is policed any more
      }
    }
  }

  pending(): boolean {
    return this.all || this.ips.size > 0;
  }

  /** Deletes the entries the desired state refuses; null when nothing was to check. */
  async revoke(state: DesiredState): Promise<RevokeResult | null> {
    if (!this.pending()) return null;
    const start = performance.now();
    const all = this.all;
    const ips = new Set(this.ips);
    this.all = false;
    this.ips.clear();
    try {
      const view = buildView(state);
      let checked = 0;
      let revoked = 0;
      for (const family of this.opts.families) {
        for (const entry of await this.list(family)) {
          const flow = forwardFlow(entry);
          if (!all && !ips.has(flow.src) && !ips.has(flow.dst)) continue;
          checked++;
          if (judgeFlow(view, flow) !== 'deny') continue;
          if (await this.delete(entry)) revoked++;
        }
      }
      this.opts.metrics?.checks?.inc();
      if (revoked > 0) this.opts.metrics?.revoked?.inc(revoked);
      return { checked, revoked, durationMs: Math.round(performance.now() - start) };
    } catch (err) {
      this.all ||= all;
      for (const ip of ips) this.ips.add(ip);
      throw err;
    }
  }

  private addIp(raw: string): void {
    const ip = normalizeIp(raw);
    if (ip !== null) this.ips.add(ip);
  }

  private async list(family: IpFamily): Promise<ConntrackEntry[]> {
    const res = await this.opts.exec('conntrack', ['-L', '-f', family === 4 ? 'ipv4' : 'ipv6']);
    if (res.code !== 0) throw new Error(`conntrack -L failed: ${res.stderr.trim()}`);
    return parseConntrackList(res.stdout, family);
  }

  /** True when the entry was deleted; an entry that vanished meanwhile is not an error. */
  private async delete(entry: ConntrackEntry): Promise<boolean> {
    const res = await this.opts.exec('conntrack', deleteArgs(entry));
    const flow = forwardFlow(entry);
    const fields = { src: flow.src, dst: flow.dst, protocol: flow.protocol, port: flow.dport };
    if (res.code === 0) {
      this.opts.logger.debug('revoked connection', fields);
      return true;
    }
    if (!/0 flow entries/.test(res.stderr))
      this.opts.logger.warn('could not delete a revoked connection', {
        ...fields,
        err: res.stderr.trim(),
      });
    return false;
  }
}

/** A PolicyView over the desired state, with per-check indexes. */
function buildView(state: DesiredState): PolicyView {
  const byIp = new Map<string, EndpointUpdate[]>();
  for (const ep of state.endpoints()) {
    for (const raw of ep.ips) {
      const ip = normalizeIp(raw);
      if (ip === null) continue;
      const list = byIp.get(ip);
      if (list) list.push(ep);
      else byIp.set(ip, [ep]);
    }
  }
  const nets = new Map<string, BlockList>();
  const netsOf = (set: IpSetId, family: IpFamily): BlockList => {
    const k = `${set.identity}/${family}`;
    let list = nets.get(k);
    if (!list) {
      list = new BlockList();
      const type = family === 4 ? 'ipv4' : 'ipv6';
      for (const m of state.members(set, family)) {
        if (m.endsWith(' nomatch')) continue;
        const [addr = '', len] = m.split('/');
        list.addSubnet(addr, len === undefined ? (family === 4 ? 32 : 128) : Number(len), type);
      }
      nets.set(k, list);
    }
    return list;
  };
  return {
    endpointsWithIp: (ip) => byIp.get(ip) ?? [],
    policy: (ref) => state.policy(ref),
    inSet: (set, family, member) =>
      set.kind === 'c'
        ? netsOf(set, family).check(member, family === 4 ? 'ipv4' : 'ipv6')
        : state.members(set, family).has(member),
  };
}
