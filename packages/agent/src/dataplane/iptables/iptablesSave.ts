/**
 * Reads back what `iptables-save -t filter` shows: our pal- chains (rules identified
 * by their `pal:<hash>` comment) and our rules in the built-in chains. Everything
 * else is counted for positions but otherwise ignored.
 */
import { isPalisadeChain } from '@palisade/model';

export interface KernelRule {
  /** The rule's hash comment, or null for a rule Palisade did not write. */
  hash: string | null;
  /** The rule as iptables-save printed it (`-A chain …`). */
  line: string;
}

export interface KernelHookRule extends KernelRule {
  /** 1-based position in the built-in chain. */
  pos: number;
}

export interface KernelTable {
  chains: Map<string, KernelRule[]>;
  /** Our rules in non-pal chains (the FORWARD jump), by chain. */
  hooks: Map<string, KernelHookRule[]>;
}

export const HASH_COMMENT_PREFIX = 'pal:';
const HASH_RE = /--comment "?pal:([a-z2-7]{16})"?/;

export function emptyKernelTable(): KernelTable {
  return { chains: new Map(), hooks: new Map() };
}

export function parseIptablesSave(text: string, table = 'filter'): KernelTable {
  const out = emptyKernelTable();
  const positions = new Map<string, number>();
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('*')) {
      inTable = line.slice(1) === table;
      continue;
    }
    if (!inTable) continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0] ?? '';
      if (isPalisadeChain(name)) out.chains.set(name, []);
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const chain = line.slice(3).split(' ')[0] ?? '';
    const hash = HASH_RE.exec(line)?.[1] ?? null;
    const rules = out.chains.get(chain);
    if (rules) {
      rules.push({ hash, line });
      continue;
    }
    const pos = (positions.get(chain) ?? 0) + 1;
    positions.set(chain, pos);
    if (hash !== null || / -[jg] pal-/.test(line)) {
      const hooks = out.hooks.get(chain) ?? [];
      hooks.push({ hash, line, pos });
      out.hooks.set(chain, hooks);
    }
  }
  return out;
}

/** Chains whose content differs between what we last wrote and what the kernel shows. */
export function clobberedChains(expected: KernelTable, actual: KernelTable): string[] {
  const out = new Set<string>();
  for (const [name, rules] of expected.chains) {
    const got = actual.chains.get(name);
    if (!got || got.length !== rules.length || got.some((r, i) => r.hash !== rules[i]?.hash))
      out.add(name);
  }
  for (const [chain, hooks] of expected.hooks) {
    const got = actual.hooks.get(chain) ?? [];
    if (
      got.length !== hooks.length ||
      got.some((r, i) => r.hash !== hooks[i]?.hash || r.pos !== hooks[i]?.pos)
    ) {
      out.add(chain);
    }
  }
  return [...out].sort();
}
