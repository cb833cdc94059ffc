/**
 * The key property of the calc graph: whatever the order, duplication, intermediate
 * states and flush points of the updates, the dataplane ends up exactly where a clean
 * replay of the final state puts it, and every flush along the way is safe to apply.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  matchSelector,
  parseSelector,
  selectorLabels,
  type Endpoint,
  type ClusterPolicy,
  type Labels,
  type Policy,
} from '@palisade/model';
import { CalcGraph, type CalcInput } from './index.js';
import { DataplaneModel, type ModelState } from './testing/dataplaneModel.js';
import { LOCAL_NODE, VARIANTS, universe } from './testing/smallUniverse.js';
import { seededRandom } from './testing/synthetic.js';

const OBJECTS = universe();
/** Variant per object id; -1 = absent. */
type World = number[];

function inputsOf(world: World): CalcInput[] {
  return OBJECTS.flatMap((o) =>
    world[o.id] !== undefined && world[o.id]! >= 0 ? [o.variant(world[o.id]!)] : [],
  );
}

function update(id: number, v: number): CalcInput {
  const obj = OBJECTS[id]!;
  const input = obj.variant(Math.max(v, 0));
  return v < 0 ? { ...input, value: null } : input;
}

function cleanReplay(world: World): ModelState {
  const g = new CalcGraph({ nodeName: LOCAL_NODE });
  inputsOf(world).forEach((i) => g.onUpdate(i));
  const model = new DataplaneModel();
  model.applyFlush(g.flush());
  return model.state();
}

/** An oracle that shares nothing with the graph: brute force over the final objects. */
function naiveCheck(world: World, state: ModelState): void {
  const inputs = inputsOf(world);
  const nsLabels = new Map<string, Labels>();
  const endpoints: Endpoint[] = [];
  const policies: Policy[] = [];
  const cnps: ClusterPolicy[] = [];
  for (const i of inputs) {
    if (i.kind === 'clusterPolicy' && i.value) cnps.push(i.value);
    if (i.kind === 'namespace' && i.value) nsLabels.set(i.name, i.value.spec.labels);
    if (i.kind === 'endpoint' && i.value) endpoints.push(i.value);
    if (i.kind === 'policy' && i.value) policies.push(i.value);
  }
  const labels = (e: Endpoint): Labels =>
    selectorLabels(e.spec.labels, e.metadata.namespace, nsLabels.get(e.metadata.namespace) ?? {});
  const local = endpoints.filter((e) => e.spec.node === LOCAL_NODE);
  expect(Object.keys(state.endpoints).sort()).toEqual(
    local.map((e) => `${e.metadata.namespace}/${e.metadata.name}`).sort(),
  );
  const active = policies.filter((p) =>
    local.some(
      (e) =>
        // A namespaced policy selects only endpoints of its own namespace.
        e.metadata.namespace === p.metadata.namespace &&
        matchSelector(parseSelector(p.spec.selector), labels(e)),
    ),
  );
  const cnpSelects = (p: ClusterPolicy, e: Endpoint): boolean => {
    let expr;
    try {
      expr = parseSelector(p.spec.selector);
    } catch {
      return true; // unreadable subject: every endpoint
    }
    return matchSelector(expr, labels(e));
  };
  const activeCnps = cnps.filter((p) => local.some((e) => cnpSelects(p, e)));
  expect(Object.keys(state.policies).sort()).toEqual(
    [
      ...active.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      ...activeCnps.map((p) => `/${p.metadata.name}`),
    ].sort(),
  );
  for (const e of local) {
    const ep = state.endpoints[`${e.metadata.namespace}/${e.metadata.name}`];
    for (const dir of ['ingress', 'egress'] as const) {
      const tier = (t: string): string[] | undefined => {
        const names = cnps
          .filter((p) => p.spec.tier === t && cnpSelects(p, e))
          .filter((p) => p.spec[dir].length > 0 || !isParsable(p.spec.selector))
          .sort((a, b) => a.spec.priority - b.spec.priority || (a.metadata.name < b.metadata.name ? -1 : 1))
          .map((p) => p.metadata.name);
        return names.length > 0 ? names : undefined;
      };
      expect(ep?.[dir].admin?.map((r) => r.name), `${dir} admin`).toEqual(tier('Admin'));
      expect(ep?.[dir].baseline?.map((r) => r.name), `${dir} baseline`).toEqual(tier('Baseline'));
    }
  }
  for (const [key, members] of Object.entries(state.sets)) {
    if (!key.startsWith('s:')) continue;
    const expr = parseSelector(key.slice(2));
    const expected = [
      ...new Set(
        endpoints.filter((e) => matchSelector(expr, labels(e))).flatMap((e) => e.spec.ips),
      ),
    ];
    expect(members, key).toEqual(expected.sort());
  }
}

function isParsable(selector: string): boolean {
  try {
    parseSelector(selector);
    return true;
  } catch {
    return false;
  }
}

interface Script {
  final: World;
  noise: [number, number][];
  seed: number;
  flushEvery: number;
}

function run(script: Script): void {
  const rnd = seededRandom(script.seed);
  const g = new CalcGraph({ nodeName: LOCAL_NODE });
  const model = new DataplaneModel();
  const world: World = OBJECTS.map(() => -1);
  const flush = (): void => {
    model.applyFlush(g.flush());
    expect(model.state()).toEqual(cleanReplay(world));
  };
  const send = (id: number, v: number): void => {
    world[id] = v;
    g.onUpdate(update(id, v));
    if (rnd() < 0.2) g.onUpdate(update(id, v)); // duplicate
    if (rnd() < 1 / script.flushEvery) flush();
  };
  for (const [id, v] of script.noise) send(id, v);
  const order = OBJECTS.map((o) => o.id).sort(() => rnd() - 0.5);
  for (const id of order) {
    const v = script.final[id] ?? -1;
    if (v >= 0 && rnd() < 0.15) send(id, -1); // delete, then re-add
    send(id, v);
  }
  flush();
  const expected = cleanReplay(script.final);
  expect(model.state()).toEqual(expected);
  naiveCheck(script.final, expected);
}

const n = OBJECTS.length;
const scriptArb: fc.Arbitrary<Script> = fc.record({
  final: fc.array(fc.integer({ min: -1, max: VARIANTS - 1 }), { minLength: n, maxLength: n }),
  noise: fc.array(
    fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: -1, max: VARIANTS - 1 })),
    {
      maxLength: 40,
    },
  ),
  seed: fc.integer(),
  flushEvery: fc.integer({ min: 1, max: 20 }),
});

describe('CalcGraph order independence', () => {
  it('ends where a clean replay of the final state ends, through safe flushes', () => {
    fc.assert(
      fc.property(scriptArb, (s) => run(s)),
      { numRuns: 200 },
    );
  }, 120_000);

  it('survives churn through every variant of every object', () => {
    const all: World = OBJECTS.map(() => 0);
    const noise: [number, number][] = [];
    for (let v = VARIANTS - 1; v >= -1; v--) OBJECTS.forEach((o) => noise.push([o.id, v]));
    run({ final: all, noise, seed: 7, flushEvery: 3 });
  });
});
