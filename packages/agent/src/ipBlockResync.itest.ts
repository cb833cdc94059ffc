/**
 * Regression for issue 10 item 1: an ipBlock whose except is half of /0. The agent
 * used to hold both `0.0.0.0/1` and `0.0.0.0/1 nomatch` for it; the kernel keeps one
 * entry per network, so every resync (and every restart) flipped the entry and let
 * the excepted half in for a whole resync interval. Probes run across several short
 * resyncs and across an agent restart, v4 and v6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointSchema, NamespaceSchema, endpointKey, namespaceKey } from '@palisade/model';
import { makeEndpoint, makeNamespace, makePolicy } from '@palisade/model/testing';
import type { AgentProcess, PodSpec } from './testing/agentHarness.js';
import { Topology } from './testing/agentHarness.js';
import { ModelStore, NODE, eventually } from './testing/itestCluster.js';
import { startTestAgent } from './testing/testAgent.js';

/** `lo` sits in the excepted lower halves (0.0.0.0/1, ::/1), `hi` in the upper ones. */
const PODS: PodSpec[] = [
  { name: 'lo', ip: '10.66.0.2', ip6: '2001:db8:66::2', ports: [] },
  { name: 'hi', ip: '192.66.0.2', ip6: 'fd66::2', ports: [] },
  { name: 'target', ip: '10.66.0.3', ip6: '2001:db8:66::3', ports: [80] },
];
const TARGET = PODS[2]!;

const halfExcept = makePolicy('ns', 'half-except', {
  selector: "app == 'target' && pal:namespace == 'ns'",
  types: ['Ingress'],
  ingress: [
    {
      action: 'Allow',
      ports: [],
      peers: [
        { cidr: '0.0.0.0/0', except: ['0.0.0.0/1'] },
        { cidr: '::/0', except: ['::/1'] },
      ],
    },
  ],
});

describe('ipBlock except half of /0 across resyncs and a restart', () => {
  let topo: Topology;
  let store: ModelStore;
  let etcdUrl: string;
  const running: AgentProcess[] = [];

  const start = (): AgentProcess => {
    const a = startTestAgent(topo, {
      etcdUrl,
      ipv6: true,
      resyncInterval: '0.4s',
      logLevel: 'debug',
    });
    running.push(a);
    return a;
  };

  beforeAll(async () => {
    store = await ModelStore.start();
    topo = await Topology.create('ipx', PODS);
    etcdUrl = await topo.relayEtcd(store.etcd.endpoints[0]!);
    await store.client.put(namespaceKey('ns'), NamespaceSchema, makeNamespace('ns'));
    for (const p of PODS) {
      const ep = makeEndpoint('ns', p.name, {
        node: NODE,
        ips: [p.ip, p.ip6!],
        labels: { app: p.name },
      });
      await store.client.put(endpointKey(NODE, 'ns', p.name), EndpointSchema, ep);
    }
    await store.putPolicy(halfExcept);
  });

  afterAll(async () => {
    running.forEach((a) => a.kill('SIGKILL'));
    await topo?.destroy();
    await store?.close();
  });

  /** Probes every combination for `ms`; counts how often each one got through. */
  const probeFor = async (ms: number): Promise<Record<string, number>> => {
    const reached: Record<string, number> = { lo4: 0, lo6: 0, hi4: 0, hi6: 0, rounds: 0 };
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const [lo4, lo6, hi4, hi6] = await Promise.all([
        topo.pod('lo').tcp(TARGET.ip, 80, 150),
        topo.pod('lo').tcp(TARGET.ip6!, 80, 150),
        topo.pod('hi').tcp(TARGET.ip, 80, 500),
        topo.pod('hi').tcp(TARGET.ip6!, 80, 500),
      ]);
      reached.rounds!++;
      for (const [k, ok] of Object.entries({ lo4, lo6, hi4, hi6 })) if (ok) reached[k]!++;
    }
    return reached;
  };

  const resyncs = (a: AgentProcess): number =>
    a.lines.filter((l) => l.message === 'periodic dataplane resync').length;

  it('keeps the excepted half blocked and the other half open, always', async () => {
    const first = start();
    await first.waitFor((l) => l.message === 'dataplane programmed');
    await eventually(async () => (await store.status())?.status.inSync === true, 10_000, 'in sync');
    const before = resyncs(first);
    const r1 = await probeFor(3000);
    // Several resyncs happened while probing (each one re-reads the kernel).
    expect(resyncs(first) - before).toBeGreaterThanOrEqual(3);
    expect(r1).toMatchObject({ lo4: 0, lo6: 0, hi4: r1.rounds, hi6: r1.rounds });
    expect(r1.rounds).toBeGreaterThan(3);

    first.kill('SIGKILL');
    await first.exited;
    const second = start();
    await second.waitFor((l) => l.message === 'dataplane programmed');
    const before2 = resyncs(second);
    const r2 = await probeFor(3000);
    expect(resyncs(second) - before2).toBeGreaterThanOrEqual(3);
    expect(r2).toMatchObject({ lo4: 0, lo6: 0, hi4: r2.rounds, hi6: r2.rounds });
    expect(r2.rounds).toBeGreaterThan(3);
  });
});
