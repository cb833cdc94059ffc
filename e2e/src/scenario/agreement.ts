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

export async function explainAgreement(ctx: { scenario: Scenario; stepIndex: number; cluster: Cluster }): Promise<string[]> {
  const { items, revision } = await ctx.cluster.etcdClient.listRaw(ROOT_PREFIX);
  const view = new ModelView(decodeModel(items.filter((i): i is typeof i & { value: string } => i.value !== null), revision));
  const order = matrixOrder(ctx.scenario);
  const problems: string[] = [];
  let checked = 0;
  for (const e of ctx.scenario.steps[ctx.stepIndex]!.expect) {
    if (e.protocol === 'SCTP') continue; // not observed on this kernel, so nothing to agree with
    order.forEach((from, i) =>
      order.forEach((to, j) => {
        const cell = e.matrix[i]![j]!;
        if (i === j || cell === '?') return;
        checked++;
        const v = explainConnection(view, { from, to, port: e.port, protocol: e.protocol });
        if (v.allowed !== (cell === '1'))
          problems.push(`explain disagrees: ${from} -> ${to} ${e.protocol}/${e.port}: observed ${cell}, explain says ${v.allowed ? 'ALLOWED' : 'BLOCKED'} (egress: ${v.egress.reason}; ingress: ${v.ingress.reason})`);
      }),
    );
  }
  if (checked === 0) return problems;
  return problems;
}
