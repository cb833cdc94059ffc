/**
 * Selector text → canonical text and syntax tree, parsed once per distinct string.
 *
 * The canonical text is the identity of everything keyed by a selector (label index
 * entries, `s` ipsets), so equal selectors written differently share them. Parsing
 * never throws out of here: an unparseable selector comes back as null and each
 * caller decides how to fail closed.
 */
import {
  ALL_SELECTOR,
  parseSelector,
  policySubject,
  printSelector,
  type SelectorExpr,
} from '@palisade/model';
import type { CalcPolicy } from './clusterPolicyInput.js';

export interface ParsedSelector {
  /** Canonical text. */
  readonly text: string;
  readonly expr: SelectorExpr;
}

/** Bound on remembered raw strings: a churning cluster must not grow this forever. */
const MAX_ENTRIES = 50_000;

export class SelectorCache {
  private readonly cache = new Map<string, ParsedSelector | null>();

  parse(raw: string): ParsedSelector | null {
    const hit = this.cache.get(raw);
    if (hit !== undefined) return hit;
    let parsed: ParsedSelector | null;
    try {
      const expr = parseSelector(raw);
      parsed = { text: printSelector(expr), expr };
    } catch {
      parsed = null;
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(raw, parsed);
    return parsed;
  }

  /**
   * The endpoints a policy applies to: its selector confined to the policy's own
   * namespace (policySubject, shared with palisadectl). An unparsable selector selects
   * every endpoint of the namespace: isolating too much is safe, silently isolating
   * nothing would widen access. A cluster policy (one with a tier) is not confined; its
   * unparsable selector selects every endpoint (its rules are then deny-all).
   */
  policySelector(policy: CalcPolicy): ParsedSelector {
    if (policy.spec.tier !== undefined)
      return this.parse(policy.spec.selector) ?? (this.parse(ALL_SELECTOR) as ParsedSelector);
    const { text, expr } = policySubject(policy.metadata.namespace, policy.spec.selector);
    return { text, expr };
  }
}
