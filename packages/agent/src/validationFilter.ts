/**
 * ValidationFilter: turns raw syncer updates into calc-graph inputs, and contains
 * every value it cannot read so that access is never widened.
 *
 * Guarantees (see docs/agent.md, "Invalid values"):
 *  - Keys outside the kinds the calc graph consumes (agent statuses, the controller's
 *    leader key, anything unparsable) are ignored without a report.
 *  - An unreadable POLICY becomes a policy that selects every endpoint of its
 *    namespace, with types [Ingress, Egress] and no rules. It isolates at least what
 *    the real policy could have selected (a namespaced policy only ever selects pods
 *    of its own namespace) and allows nothing.
 *  - An unreadable ENDPOINT on another node is removed: an endpoint we cannot read
 *    cannot be admitted as a peer (with Allow-only rules, dropping a peer narrows).
 *  - An unreadable ENDPOINT on this node keeps its last good value when there is one:
 *    its chains, isolation and memberships stay exactly as last programmed. Removing
 *    it would stop policing its IP (dispatch is by IP), which would widen access.
 *    With no good value ever seen we know no IP to police, so it is reported only.
 *  - An unreadable NAMESPACE keeps the namespace with empty labels: it drops out of
 *    namespaceSelector-based peer sets.
 *  - Each invalid key is logged (warn), counted (onInvalid), and listed in
 *    invalidKeys() until it is deleted or becomes valid again.
 */
import type { Logger } from '@palisade/common';
import {
  API_VERSION,
  decodeStoredValue,
  errorMessage,
  parseKey,
  parseSelector,
  type Endpoint,
  type Namespace,
  type ParsedKey,
  type Policy,
} from '@palisade/model';
import type { SyncUpdate } from '@palisade/datastore';
import type { CalcInput } from './calc/index.js';

export type ConsumedKind = 'policy' | 'endpoint' | 'namespace';

export interface ValidationFilterOptions {
  nodeName: string;
  logger: Logger;
  /** Called once per invalid value seen (for the invalid-values counter). */
  onInvalid?: (kind: ConsumedKind, key: string) => void;
}

type Consumed = Extract<ParsedKey, { kind: ConsumedKind }>;
type Decoded = { ok: true; value: Policy | Endpoint | Namespace } | { ok: false; error: string };

export class ValidationFilter {
  private readonly invalid = new Map<string, string>();
  /** Last good value of each local endpoint, by key. */
  private readonly lastGoodLocal = new Map<string, Endpoint>();

  constructor(private readonly opts: ValidationFilterOptions) {}

  /** Invalid keys currently contained, key → message (for the agent status). */
  invalidKeys(): Record<string, string> {
    return Object.fromEntries([...this.invalid].sort(([a], [b]) => a.localeCompare(b)));
  }

  filter(updates: readonly SyncUpdate[]): CalcInput[] {
    const out: CalcInput[] = [];
    for (const u of updates) {
      const parsed = parseKey(u.key);
      if (!parsed || !isConsumed(parsed)) continue;
      const input = this.one(u.key, parsed, u.value);
      if (input) out.push(input);
    }
    return out;
  }

  private one(key: string, parsed: Consumed, raw: string | null): CalcInput | null {
    if (raw === null) {
      this.invalid.delete(key);
      this.lastGoodLocal.delete(key);
      return toInput(parsed, null);
    }
    const decoded = decode(key, raw);
    if (decoded.ok) {
      this.invalid.delete(key);
      if (parsed.kind === 'endpoint' && parsed.node === this.opts.nodeName)
        this.lastGoodLocal.set(key, decoded.value as Endpoint);
      return toInput(parsed, decoded.value);
    }
    this.report(key, parsed.kind, decoded.error);
    return this.contain(key, parsed);
  }

  private contain(key: string, parsed: Consumed): CalcInput | null {
    switch (parsed.kind) {
      case 'policy':
        return toInput(
          parsed,
          isolatingPolicy(parsed.namespace, parsed.name, this.invalid.get(key) ?? ''),
        );
      case 'namespace':
        return toInput(parsed, emptyNamespace(parsed.name));
      case 'endpoint': {
        if (parsed.node !== this.opts.nodeName) return toInput(parsed, null);
        const last = this.lastGoodLocal.get(key);
        // Keep what is programmed; with nothing known there is nothing to program.
        return last ? toInput(parsed, last) : null;
      }
    }
  }

  private report(key: string, kind: ConsumedKind, error: string): void {
    this.invalid.set(key, error);
    this.opts.logger.warn('invalid value in etcd; contained without widening access', {
      key,
      kind,
      err: error,
    });
    this.opts.onInvalid?.(kind, key);
  }
}

function isConsumed(k: ParsedKey): k is Consumed {
  return k.kind === 'policy' || k.kind === 'endpoint' || k.kind === 'namespace';
}

function toInput(parsed: Consumed, value: Policy | Endpoint | Namespace | null): CalcInput {
  switch (parsed.kind) {
    case 'policy':
      return {
        kind: 'policy',
        ref: { namespace: parsed.namespace, name: parsed.name },
        value: value as Policy | null,
      };
    case 'endpoint':
      return {
        kind: 'endpoint',
        ref: { namespace: parsed.namespace, name: parsed.name },
        value: value as Endpoint | null,
      };
    case 'namespace':
      return { kind: 'namespace', name: parsed.name, value: value as Namespace | null };
  }
}

/** Parses and validates one stored value (schema, key/metadata agreement, selector syntax). */
export function decode(key: string, raw: string): Decoded {
  const res = decodeStoredValue(key, raw);
  if (!res.ok) return { ok: false, error: res.error };
  const value = res.value;
  if (value.kind === 'Policy') {
    const bad = badSelector(value);
    if (bad) return { ok: false, error: bad };
  }
  if (value.kind !== 'Policy' && value.kind !== 'Endpoint' && value.kind !== 'Namespace')
    return { ok: false, error: `kind: ${value.kind} is not consumed here` };
  return { ok: true, value };
}

function badSelector(p: Policy): string | null {
  const check = (sel: string, where: string): string | null => {
    try {
      parseSelector(sel);
      return null;
    } catch (err) {
      return `${where}: ${errorMessage(err)}`;
    }
  };
  const rules = [
    ...p.spec.ingress.map((r, i) => [r, `spec.ingress.${i}`] as const),
    ...p.spec.egress.map((r, i) => [r, `spec.egress.${i}`] as const),
  ];
  for (const [rule, where] of rules)
    for (const [j, peer] of rule.peers.entries()) {
      const bad = 'selector' in peer ? check(peer.selector, `${where}.peers.${j}.selector`) : null;
      if (bad) return bad;
    }
  return check(p.spec.selector, 'spec.selector');
}

/** Selects the whole namespace, isolates both directions, allows nothing. */
export function isolatingPolicy(namespace: string, name: string, error: string): Policy {
  return {
    apiVersion: API_VERSION,
    kind: 'Policy',
    metadata: { namespace, name },
    spec: {
      order: 1000,
      selector: `pal:namespace == '${namespace}'`,
      types: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
      error: { field: '(stored value)', message: error },
    },
  };
}

function emptyNamespace(name: string): Namespace {
  return { apiVersion: API_VERSION, kind: 'Namespace', metadata: { name }, spec: { labels: {} } };
}
