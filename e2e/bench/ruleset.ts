/**
 * The filter table as a node's agent programmed it, read back with iptables-save inside
 * the node's network namespace (read only), and rule checks counted along a path.
 * Not a *.bench.ts file.
 */
import { inNetns } from '../src/harness/sh.js';

/** The filter table's rules by chain, from the first iptables backend in the node's namespace that has `chain`. */
export async function chainsOnNode(netns: string, chain: string): Promise<Map<string, string[]>> {
  for (const save of ['iptables-nft-save', 'iptables-legacy-save']) {
    const r = await inNetns(netns, save, ['-t', 'filter'], { allowFail: true });
    const chains = new Map<string, string[]>();
    for (const line of r.stdout.split('\n')) {
      const m = /^-A (\S+) (.*)$/.exec(line);
      if (!m) continue;
      const rules = chains.get(m[1]!);
      if (rules) rules.push(m[2]!);
      else chains.set(m[1]!, [m[2]!]);
    }
    if (chains.has(chain)) return chains;
  }
  throw new Error(`chain ${chain} not found in the node namespace ${netns}`);
}

const ipNum = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const mask = Number(bits ?? 32) === 0 ? 0 : (~0 << (32 - Number(bits ?? 32))) >>> 0;
  return ((ipNum(ip) & mask) >>> 0) === ((ipNum(base!) & mask) >>> 0);
}

/**
 * Rule checks from pal-to-wl-dispatch to the endpoint chain of IPv4 `ip`: at each level
 * the rules before the one whose `-d` matches, plus that one, following its target
 * while it is another dispatch chain.
 */
export function dispatchChecks(chains: Map<string, string[]>, ip: string): { checks: number; endpointChain: string } {
  let chain = 'pal-to-wl-dispatch';
  let checks = 0;
  for (let depth = 0; depth < 40; depth++) {
    const rules = chains.get(chain) ?? [];
    const at = rules.findIndex((r) => {
      const d = /-d (\S+)/.exec(r)?.[1];
      return d !== undefined && inCidr(ip, d.includes('/') ? d : `${d}/32`);
    });
    if (at < 0) throw new Error(`dispatch: no rule in ${chain} matches ${ip}`);
    checks += at + 1;
    const next = /-[gj] (pal-\S+)/.exec(rules[at]!)?.[1] ?? '';
    if (!next.startsWith('pal-dt-')) return { checks, endpointChain: next };
    chain = next;
  }
  throw new Error(`dispatch: too deep for ${ip}`);
}
