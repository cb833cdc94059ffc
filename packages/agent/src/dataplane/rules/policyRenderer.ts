/**
 * Renders a policy's RuleSpecs into the body of pal-pi-<id> / pal-po-<id> for one IP
 * family. Pure: specs in, rule bodies (the text after `-A <chain>`) out; Table adds
 * the chain name and the hash comment.
 *
 * Each RuleSpec becomes one rule per peer or per port chunk (see combine). An Allow marks the
 * packet and a single return rule after the RuleSpec's combinations leaves the chain,
 * so later Deny rules cannot undo it. An empty chain means "this policy allows
 * nothing" (the endpoint chain then tries the next policy or drops).
 */
import type { IpFamily } from '@palisade/model';
import type { Direction, IpSetId, PeerMatch, PortSpec, RuleSpec } from '../../messages.js';
import { IpSets } from '../ipsets/ipSets.js';
import { MARK_ACCEPT, MARK_PASS, MARK_SCRATCH, matchMark, setMark } from './marks.js';

/** multiport takes at most 15 ports; a range counts twice. */
const MULTIPORT_SLOTS = 15;

export function renderPolicyChain(
  rules: RuleSpec[],
  direction: Direction,
  family: IpFamily,
): string[] {
  const groups: string[][] = [];
  for (const rule of rules) {
    const peers =
      rule.peers === null ? [''] : rule.peers.flatMap((p) => peerMatch(p, direction, family));
    const ports = rule.ports === null ? [''] : portMatches(rule.ports, family);
    const action = actionOf(rule);
    const group = combine(peers, ports, action.target);
    if (group.length === 0) continue;
    if (action.returnMark !== null) group.push(`${matchMark(action.returnMark)} -j RETURN`);
    groups.push(group);
  }
  // The chain ends right after the last group: its return rule would be redundant.
  const last = groups[groups.length - 1];
  if (last?.[last.length - 1]?.endsWith('-j RETURN')) last.pop();
  return groups.flat();
}

/**
 * A rule matches when one of its peers and one of its port matches do. With several of
 * each, the cross product would cost peers × ports rules, so the peers instead set a
 * scratch mark bit and the ports test it: peers + ports + 2 rules, linear in the size
 * of the policy. The bit is cleared before and after, so no other rule ever sees it.
 */
function combine(peers: string[], ports: string[], target: string): string[] {
  const join = (...parts: string[]): string => parts.filter((s) => s !== '').join(' ');
  if (peers.length <= 1 || ports.length <= 1) {
    return peers.flatMap((peer) => ports.map((port) => join(port, peer, target)));
  }
  return [
    setMark(0, MARK_SCRATCH),
    ...peers.map((peer) => join(peer, setMark(MARK_SCRATCH, MARK_SCRATCH))),
    ...ports.map((port) => join(port, matchMark(MARK_SCRATCH), target)),
    setMark(0, MARK_SCRATCH),
  ];
}

function actionOf(rule: RuleSpec): { target: string; returnMark: number | null } {
  switch (rule.action) {
    case 'Allow':
      return { target: setMark(MARK_ACCEPT, MARK_ACCEPT), returnMark: MARK_ACCEPT };
    case 'Pass':
      return { target: setMark(MARK_PASS, MARK_PASS), returnMark: MARK_PASS };
    case 'Deny':
      return { target: '-j DROP', returnMark: null };
  }
}

/** The peer is the source of ingress traffic and the destination of egress traffic. */
function peerMatch(peer: PeerMatch, direction: Direction, family: IpFamily): string[] {
  const dir = direction === 'ingress' ? 'src' : 'dst';
  return [`-m set --match-set ${IpSets.nameOf(peer.set, family)} ${dir}`];
}

/**
 * Port matches in spec order; numbered ports of one protocol merge into the place of
 * the first of them (one `--dport` or `-m multiport` rule per 15 slots).
 */
function portMatches(ports: PortSpec[], family: IpFamily): string[] {
  const out: (string | { proto: string })[] = [];
  const ranges = new Map<string, string[]>();
  for (const port of ports) {
    const proto = port.protocol.toLowerCase();
    switch (port.kind) {
      case 'protocol':
        out.push(`-p ${proto}`);
        break;
      case 'named':
        out.push(`-p ${proto} -m set --match-set ${IpSets.nameOf(port.set, family)} dst,dst`);
        break;
      case 'range': {
        const text = port.endPort > port.port ? `${port.port}:${port.endPort}` : String(port.port);
        const list = ranges.get(proto);
        if (list) list.push(text);
        else {
          ranges.set(proto, [text]);
          out.push({ proto });
        }
        break;
      }
    }
  }
  return out.flatMap((o) =>
    typeof o === 'string' ? [o] : rangeMatches(o.proto, ranges.get(o.proto) ?? []),
  );
}

function rangeMatches(proto: string, ports: string[]): string[] {
  const unique = [...new Set(ports)];
  if (unique.length === 1) return [`-p ${proto} -m ${proto} --dport ${unique[0]}`];
  const chunks: string[][] = [];
  let slots = MULTIPORT_SLOTS;
  for (const p of unique) {
    const cost = p.includes(':') ? 2 : 1;
    if (slots + cost > MULTIPORT_SLOTS || chunks.length === 0) {
      chunks.push([]);
      slots = 0;
    }
    chunks[chunks.length - 1]!.push(p);
    slots += cost;
  }
  return chunks.map((c) =>
    c.length === 1
      ? `-p ${proto} -m ${proto} --dport ${c[0]}`
      : `-p ${proto} -m multiport --dports ${c.join(',')}`,
  );
}

/** Every ipset a policy's rules reference (both peer and named-port sets). */
export function policyIpSets(rules: RuleSpec[] | null): IpSetId[] {
  const out: IpSetId[] = [];
  for (const rule of rules ?? []) {
    for (const p of rule.peers ?? []) if (p.kind === 'ipset') out.push(p.set);
    for (const p of rule.ports ?? []) if (p.kind === 'named') out.push(p.set);
  }
  return out;
}
