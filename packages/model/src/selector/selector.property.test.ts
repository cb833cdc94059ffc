/**
 * Property tests: the canonical printer round-trips, normalization keeps meaning, and
 * converted Kubernetes selectors agree with a direct reference evaluation of the
 * Kubernetes LabelSelector semantics.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels } from '../schema/common.js';
import {
  canonicalSelector,
  labelSelectorToExpr,
  matchSelector,
  normalizeSelector,
  parseSelector,
  peerSelector,
  printSelector,
  selectorLabels,
} from './index.js';
import type { LabelSelector, SelectorExpr } from './index.js';

const KEYS = ['app', 'tier', 'example.com/app', 'k8s.io/role-name', 'a_b.c-d', 'x'];
const VALUES = ['web', 'db', 'v1.2', 'a-b_c', '', 'Z.9'];

const keyArb = fc.oneof(
  fc.constantFrom(...KEYS, 'ns:team', 'pal:namespace', 'has', 'in', 'not', 'all'),
  fc.stringMatching(/^[A-Za-z0-9._/:-]{1,12}$/),
);
/** Values from a small pool (so labels hit) plus arbitrary text with quotes and backslashes. */
const valueArb = fc.oneof(
  fc.constantFrom(...VALUES, "it's", 'back\\slash', "\\'", '"'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);

const exprArb: fc.Arbitrary<SelectorExpr> = fc.letrec<{ expr: SelectorExpr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<SelectorExpr>({ op: 'all' }),
    fc.record({ op: fc.constantFrom('eq' as const, 'ne' as const), key: keyArb, value: valueArb }),
    fc.record({
      op: fc.constantFrom('in' as const, 'notin' as const),
      key: keyArb,
      values: fc.array(valueArb, { maxLength: 4 }),
    }),
    fc.record({ op: fc.constantFrom('has' as const, 'nothas' as const), key: keyArb }),
    fc.record({ op: fc.constant('and' as const), terms: fc.array(tie('expr'), { maxLength: 3 }) }),
    fc.record({
      op: fc.constant('or' as const),
      terms: fc.array(tie('expr'), { minLength: 1, maxLength: 3 }),
    }),
  ),
})).expr;

const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(
  fc.constantFrom(...KEYS),
  fc.constantFrom(...VALUES),
  { maxKeys: 5 },
);

/** A non-canonical spelling: original order, double quotes, redundant parentheses and spaces. */
function loosePrint(e: SelectorExpr): string {
  const q = (v: string): string => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  switch (e.op) {
    case 'all':
      return ' all ( ) ';
    case 'eq':
      return `${e.key}==${q(e.value)}`;
    case 'ne':
      return `${e.key} !=  ${q(e.value)}`;
    case 'in':
      return `${e.key} in{${e.values.map(q).join(' ,')}}`;
    case 'notin':
      return `${e.key} not  in {${e.values.map(q).join(',')}}`;
    case 'has':
      return `has( ${e.key} )`;
    case 'nothas':
      return `! has(${e.key})`;
    case 'and':
      return e.terms.length === 0 ? 'all()' : e.terms.map((t) => `(${loosePrint(t)})`).join('&&');
    case 'or':
      return e.terms.map((t) => `( ${loosePrint(t)} )`).join(' || ');
  }
}

describe('selector printer properties', () => {
  it('parse(print(x)) deep-equals the canonical form of x', () => {
    fc.assert(
      fc.property(exprArb, (x) => {
        expect(parseSelector(printSelector(x))).toEqual(normalizeSelector(x));
      }),
    );
  });

  it('print(parse(print(x))) === print(x)', () => {
    fc.assert(
      fc.property(
        exprArb,
        (x) => printSelector(parseSelector(printSelector(x))) === printSelector(x),
      ),
    );
  });

  it('normalization is idempotent', () => {
    fc.assert(
      fc.property(exprArb, (x) => {
        expect(normalizeSelector(normalizeSelector(x))).toEqual(normalizeSelector(x));
      }),
    );
  });

  it('any spelling of x has the canonical text of x', () => {
    fc.assert(fc.property(exprArb, (x) => canonicalSelector(loosePrint(x)) === printSelector(x)));
  });

  it('the canonical form matches exactly what x matches', () => {
    fc.assert(
      fc.property(
        exprArb,
        labelsArb,
        (x, labels) =>
          matchSelector(parseSelector(printSelector(x)), labels) === matchSelector(x, labels),
      ),
    );
  });
});

// ---- Kubernetes LabelSelector reference semantics (k8s.io/apimachinery labels.Selector) ----

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

function refMatches(sel: LabelSelector, labels: Labels): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  const labelsOk = Object.entries(sel.matchLabels ?? {}).every(
    ([k, v]) => has(k) && labels[k] === v,
  );
  const exprOk = (sel.matchExpressions ?? []).every((r: Requirement) => {
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
        return has(r.key) && values.includes(labels[r.key] ?? '');
      case 'NotIn':
        return !has(r.key) || !values.includes(labels[r.key] ?? '');
      case 'Exists':
        return has(r.key);
      case 'DoesNotExist':
        return !has(r.key);
      default:
        throw new Error(`unexpected operator ${r.operator}`);
    }
  });
  return labelsOk && exprOk;
}

const requirementArb: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...KEYS),
    operator: fc.constantFrom('In', 'NotIn'),
    values: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }),
  }),
  fc.record(
    {
      key: fc.constantFrom(...KEYS),
      operator: fc.constantFrom('Exists', 'DoesNotExist'),
      values: fc.constantFrom(undefined, null, [] as string[]),
    },
    { requiredKeys: ['key', 'operator'] },
  ),
);

const labelSelectorArb: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: fc.option(
      fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 }),
    ),
    matchExpressions: fc.option(fc.array(requirementArb, { maxLength: 3 })),
  },
  { requiredKeys: [] },
);

describe('Kubernetes LabelSelector conversion agrees with the reference semantics', () => {
  it('over pod labels', () => {
    fc.assert(
      fc.property(labelSelectorArb, labelsArb, (sel, labels) => {
        const expected = refMatches(sel, labels);
        const expr = labelSelectorToExpr(sel);
        return (
          matchSelector(expr, labels) === expected &&
          matchSelector(parseSelector(printSelector(expr)), labels) === expected
        );
      }),
      { numRuns: 500 },
    );
  });

  const namespaces = ['prod', 'dev', 'kube-system'];
  const peerArb = fc
    .record(
      { podSelector: fc.option(labelSelectorArb), namespaceSelector: fc.option(labelSelectorArb) },
      { requiredKeys: [] },
    )
    .filter((p) => p.podSelector != null || p.namespaceSelector != null);

  it('over peers (pod labels, namespace and namespace labels)', () => {
    fc.assert(
      fc.property(
        peerArb,
        fc.constantFrom(...namespaces),
        fc.constantFrom(...namespaces),
        labelsArb,
        labelsArb,
        (peer, policyNs, podNs, podLabels, nsLabels) => {
          const nsOk =
            peer.namespaceSelector == null
              ? podNs === policyNs
              : refMatches(peer.namespaceSelector, nsLabels);
          const podOk = peer.podSelector == null ? true : refMatches(peer.podSelector, podLabels);
          const text = peerSelector(peer, policyNs);
          return (
            matchSelector(parseSelector(text), selectorLabels(podLabels, podNs, nsLabels)) ===
            (nsOk && podOk)
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
