import { describe, expect, it } from 'vitest';
import { CalcGraph } from '../index.js';
import { syntheticCluster } from './synthetic.js';

const NODE = 'node-local';

describe('syntheticCluster', () => {
  it('is deterministic', () => {
    const o = { endpoints: 50, localEndpoints: 5, policies: 10, namespaces: 5, nodeName: NODE };
    expect(syntheticCluster(o)).toEqual(syntheticCluster(o));
  });

  it('computes the full state of a large cluster quickly, and churn stays in ipsets', () => {
    const inputs = syntheticCluster({
      endpoints: 10_000,
      localEndpoints: 100,
      policies: 1000,
      namespaces: 500,
      nodeName: NODE,
    });
    const g = new CalcGraph({ nodeName: NODE });
    const start = performance.now();
    inputs.forEach((i) => g.onUpdate(i));
    const msgs = g.flush();
    const ms = performance.now() - start;
    const stats = g.stats();
    // eslint-disable-next-line no-console -- reported for humans and the benchmark, not asserted
    console.info(
      `calc full state: ${ms.toFixed(0)} ms, ${msgs.length} messages, ${JSON.stringify(stats)}`,
    );
    expect(stats).toMatchObject({ endpoints: 10_000, localEndpoints: 100, policies: 1000 });
    expect(stats.activePolicies).toBeGreaterThan(0);
    expect(stats.ipsets).toBeGreaterThan(0);

    // Remote pod churn: delete and re-add every remote endpoint under a new IP.
    const churn = inputs.filter(
      (i) => i.kind === 'endpoint' && i.value !== null && i.value.spec.node !== NODE,
    );
    const t1 = performance.now();
    for (const i of churn.slice(0, 2000)) {
      if (i.kind !== 'endpoint' || !i.value) continue;
      g.onUpdate({ ...i, value: null });
      const ips = i.value.spec.ips.map((ip) =>
        ip.includes(':') ? `${ip}0` : ip.replace(/^10\./, '11.'),
      );
      g.onUpdate({ ...i, value: { ...i.value, spec: { ...i.value.spec, ips } } });
    }
    const churned = g.flush();
    // eslint-disable-next-line no-console -- reported for humans and the benchmark, not asserted
    console.info(
      `calc churn of 2000 pods: ${(performance.now() - t1).toFixed(0)} ms, ${churned.length} messages`,
    );
    expect(new Set(churned.map((m) => m.type))).toEqual(new Set(['IpSetDeltaUpdate']));
  }, 60_000);
});
