/**
 * Nodes and pods as network namespaces, routed the Calico way.
 *
 *   fabric netns: bridge `br0`, one veth per node           (10.64.0.0/24, fd64::/64)
 *   node i netns: eth0 on the fabric (10.64.0.<i+1>), a /24 route per other node's pod
 *                 CIDR via that node, forwarding on; one veth per local pod
 *   pod netns:    eth0 with a /32 (and /128), default route via 169.254.1.1 (v4) and
 *                 fe80::ecee:eeff:feee:eeee (v6), both resolved statically to the
 *                 node-side veth MAC ee:ee:ee:ee:ee:ee; the node routes the pod's /32
 *                 to that veth.
 * Cross-node pod traffic therefore passes both nodes' FORWARD chains.
 *
 * Pod IPs: a host number is allocated before the pod's namespace is built and is
 * given back on every path that does not end with a live pod (a failed build as
 * well as removePod), so the set of allocated IPs is always the set of IPs of the
 * pods that exist. Freed numbers are reused only once fresh ones run out, so an IP
 * is not handed to a new pod while the old pod's endpoint may still be in flight.
 */
import { createHash } from 'node:crypto';
import { deleteOwnedNetns, ownedNetns } from './leftovers.js';
import { createNetns, deleteNetns } from './netns.js';
import { isPodNetns } from './owner.js';
import { ipBatch, run } from './sh.js';

export interface NodeInfo {
  index: number;
  name: string;
  netns: string;
  fabricIp: string;
}

export interface PodNet {
  netns: string;
  node: NodeInfo;
  ips: string[];
  hostVeth: string;
}

const GW_MAC = 'ee:ee:ee:ee:ee:ee';
const GW_V4 = '169.254.1.1';
const GW_V6 = 'fe80::ecee:eeff:feee:eeee';

export class Topology {
  readonly fabric: string;
  readonly nodes: NodeInfo[] = [];
  private readonly nextHost = new Map<number, number>();
  /** Host numbers given back by removed pods, reused oldest-first once fresh ones run out. */
  private readonly freed = new Map<number, number[]>();
  private readonly hostOf = new Map<string, { node: number; host: number }>();

  constructor(
    readonly prefix: string,
    readonly dualStack: boolean,
  ) {
    this.fabric = `${prefix}fabric`;
  }

  async init(): Promise<void> {
    await createNetns(this.fabric);
    await ipBatch(['link add br0 type bridge', 'link set br0 up'], this.fabric);
  }

  nodeName(i: number): string {
    return `node-${i}`;
  }

  async ensureNodes(count: number): Promise<void> {
    for (let i = this.nodes.length; i < count; i++) await this.addNode(i);
  }

  private async addNode(i: number): Promise<void> {
    const node: NodeInfo = {
      index: i,
      name: this.nodeName(i),
      netns: `${this.prefix}${this.nodeName(i)}`,
      fabricIp: `10.64.0.${i + 1}`,
    };
    await createNetns(node.netns);
    await ipBatch([`link add fab${i} type veth peer name eth0 netns ${node.netns}`, `link set fab${i} master br0`, `link set fab${i} up`], this.fabric);
    const lines = [`addr add ${node.fabricIp}/24 dev eth0`, 'link set eth0 up'];
    if (this.dualStack) lines.push(`addr add fd64::${i + 1}/64 dev eth0 nodad`);
    await ipBatch(lines, node.netns);
    await run('ip', ['netns', 'exec', node.netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    // Routes between this node and every existing node, both ways.
    for (const other of this.nodes) {
      await ipBatch(this.routesTo(other), node.netns);
      await ipBatch(this.routesTo(node), other.netns);
    }
    this.nodes.push(node);
  }

  private routesTo(n: NodeInfo): string[] {
    const r = [`route add 10.65.${n.index}.0/24 via ${n.fabricIp}`];
    if (this.dualStack) r.push(`route add fd65:0:0:${n.index}::/64 via fd64::${n.index + 1}`);
    return r;
  }

  private allocate(node: NodeInfo): string[] {
    let host = (this.nextHost.get(node.index) ?? 1) + 1;
    if (host <= 254) this.nextHost.set(node.index, host);
    else {
      const reuse = this.freed.get(node.index)?.shift();
      if (reuse === undefined) throw new Error(`node ${node.name} ran out of pod IPs`);
      host = reuse;
    }
    const ips = [`10.65.${node.index}.${host}`];
    if (this.dualStack) ips.push(canonicalV6(`fd65:0:0:${node.index}::${host.toString(16)}`));
    return ips;
  }

  /** Creates the pod's namespace and veth, allocating fresh IPs on the node; on failure nothing stays. */
  async addPod(podId: string, nodeIndex: number): Promise<PodNet> {
    const node = this.nodes[nodeIndex];
    if (!node) throw new Error(`no node ${nodeIndex}`);
    const ips = this.allocate(node);
    const tag = createHash('sha1').update(`${podId}|${ips[0]}`).digest('hex').slice(0, 10);
    const pod: PodNet = { netns: `${this.prefix}p-${tag}`, node, ips, hostVeth: `pw${tag}` };
    this.hostOf.set(pod.netns, { node: node.index, host: Number(ips[0]!.split('.')[3]) });
    try {
      await this.buildPod(pod);
    } catch (err) {
      await this.removePod(pod).catch(() => {});
      throw err;
    }
    return pod;
  }

  private async buildPod({ netns, node, ips, hostVeth }: PodNet): Promise<void> {
    await createNetns(netns);
    await ipBatch([`link add ${hostVeth} type veth peer name eth0 netns ${netns}`, `link set ${hostVeth} address ${GW_MAC}`, `link set ${hostVeth} up`, `route add ${ips[0]}/32 dev ${hostVeth}`, ...(this.dualStack ? [`route add ${ips[1]}/128 dev ${hostVeth}`] : [])], node.netns);
    const podLines = [`addr add ${ips[0]}/32 dev eth0`, 'link set eth0 up', `route add ${GW_V4} dev eth0 scope link`, `route add default via ${GW_V4} dev eth0`, `neigh add ${GW_V4} lladdr ${GW_MAC} dev eth0 nud permanent`];
    if (this.dualStack)
      podLines.push(`addr add ${ips[1]}/128 dev eth0 nodad`, `neigh add ${GW_V6} lladdr ${GW_MAC} dev eth0 nud permanent`, `route add default via ${GW_V6} dev eth0`);
    await ipBatch(podLines, netns);
  }

  async removePod(pod: PodNet): Promise<void> {
    await deleteNetns(pod.netns); // deleting the netns deletes the veth pair and the node's route
    this.release(pod.netns);
  }

  private release(netns: string): void {
    const a = this.hostOf.get(netns);
    if (!a) return;
    this.hostOf.delete(netns);
    this.freed.set(a.node, [...(this.freed.get(a.node) ?? []), a.host]);
  }

  /** Pod namespaces whose IPs are allocated (one per live pod when the harness is consistent). */
  allocatedPods(): string[] {
    return [...this.hostOf.keys()];
  }

  /**
   * Deletes every pod namespace of this run that is not in `live` and gives its IP
   * back, whatever left it behind (a scenario that failed half-way, a timeout).
   * Returns the namespaces removed.
   */
  async sweepPods(live: Set<string>): Promise<string[]> {
    const onHost = (await ownedNetns(this.prefix)).filter((n) => isPodNetns(this.prefix, n));
    const stale = [...new Set([...onHost, ...this.hostOf.keys()])].filter((n) => !live.has(n));
    for (const n of stale) {
      await deleteNetns(n);
      this.release(n);
    }
    return stale;
  }

  /** Deletes every namespace of this run: pods, nodes, fabric. */
  async destroy(): Promise<void> {
    await deleteOwnedNetns(this.prefix);
    this.hostOf.clear();
  }
}

/** RFC 5952 text form (what Kubernetes reports in status.podIPs). */
export function canonicalV6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}
