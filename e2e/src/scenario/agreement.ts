/**
 * The agreement check: after a step has converged (every checked cell observed as
 * expected), `palisadectl explain`'s evaluator, run over the model stored in etcd,
 * must give the same verdict for every checked cell. A disagreement means either the
 * dataplane or the explanation operators rely on is wrong.
 */
import { ModelView, decodeModel, explainConnection } from '@palisade/cli';
import { ROOT_PREFIX } from '@palisade/model';
import type { Cluster } from '../harness/cluster.js';
import { matrixOrder, type Scenario } from './format.js';

type Ctx = { scenario: Scenario; stepIndex: number; cluster: Cluster };

/** The stored model may trail what is already enforced by a moment; retry for a few seconds. */
export async function explainAgreement(ctx: Ctx): Promise<string[]> {
  const until = Date.now() + 5000;
  for (;;) {
    const problems = await compareOnce(ctx);
    if (problems.length === 0 || Date.now() > until) return problems;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function compareOnce(ctx: Ctx): Promise<string[]> {
  const { items, revision } = await ctx.cluster.etcdClient.listRaw(ROOT_PREFIX);
  const view = new ModelView(decodeModel(items.filter((i): i is typeof i & { value: string } => i.value !== null), revision));
  const order = matrixOrder(ctx.scenario);
  const problems: string[] = [];
  for (const e of ctx.scenario.steps[ctx.stepIndex]!.expect) {
    if (e.protocol === 'SCTP') continue; // not observed on this kernel, so nothing to agree with
    order.forEach((from, i) =>
      order.forEach((to, j) => {
        const cell = e.matrix[i]![j]!;
        if (i === j || cell === '?') return;
        let v;
        try {
          v = explainConnection(view, { from, to, port: e.port, protocol: e.protocol });
        } catch (err) {
          problems.push(`explain failed for ${from} -> ${to}: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        if (v.allowed !== (cell === '1'))
          problems.push(`explain disagrees: ${from} -> ${to} ${e.protocol}/${e.port}: observed ${cell}, explain says ${v.allowed ? 'ALLOWED' : 'BLOCKED'} (egress: ${v.egress.reason}; ingress: ${v.ingress.reason})`);
      }),
    );
  }
  return problems;
}
