/**
 * Restart, etcd outage and invalid input, with the controller as a real process.
 */
import { PolicySchema, policyKey, endpointKey, namespaceKey } from '@palisade/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNamespace, makeNetworkPolicy, makePod, podIPs } from './testing/builders.js';
import type { ControllerProcess } from './testing/controllerProcess.js';
import { startItestEnv, type ItestEnv } from './testing/itestEnv.js';
import { waitFor } from './testing/waitFor.js';

let env: ItestEnv;

beforeAll(async () => {
  env = await startItestEnv();
  await env.rest.createNamespace(makeNamespace('apps', { team: 'a' }));
  for (let i = 0; i < 5; i++) await env.rest.createPod(makePod(`web-${i}`, 'apps', podIPs(`10.1.0.${i + 1}`)));
  await env.rest.createPolicy(makeNetworkPolicy('deny-all', 'apps'));
});

afterAll(async () => {
  await env?.teardown();
});

async function started(id: string): Promise<ControllerProcess> {
  const ctl = env.startController(id);
  await ctl.waitForLog((l) => l.message === 'full reconcile done');
  return ctl;
}

describe('controller restart', () => {
  it('keeps the mod revisions of unchanged objects and exits 0 on SIGTERM', async () => {
    const first = await started('ctl-1');
    const before = await env.revisions();
    expect(Object.keys(before)).toContain(endpointKey('node-1', 'apps', 'web-4'));
    expect(await first.stop()).toBe(0);
    const second = await started('ctl-2');
    expect(await second.metric('palisade_controller_etcd_writes_total')).toBe(0);
    expect(await env.revisions()).toEqual(before);
    expect(await second.stop()).toBe(0);
  });

  it('catches up with changes made while no controller ran, deleting what vanished', async () => {
    await env.rest.deletePod('apps', 'web-0');
    await env.rest.createPod(makePod('web-9', 'apps', podIPs('10.1.0.9')));
    const ctl = await started('ctl-3');
    const keys = Object.keys(await env.revisions('/palisade/v1/endpoint/'));
    expect(keys).not.toContain(endpointKey('node-1', 'apps', 'web-0'));
    expect(keys).toContain(endpointKey('node-1', 'apps', 'web-9'));
    expect(await ctl.stop()).toBe(0);
  });
});

describe('etcd outage', () => {
  it('converges after etcd was down for 10 s while objects changed', async () => {
    const ctl = await started('ctl-4');
    await env.etcd.stop();
    const outageStarted = Date.now();
    for (let i = 0; i < 5; i++) await env.rest.createPod(makePod(`late-${i}`, 'apps', podIPs(`10.1.1.${i + 1}`)));
    await env.rest.deletePod('apps', 'web-1');
    await env.rest.createPolicy(makeNetworkPolicy('during-outage', 'apps'));
    await env.rest.updateNamespace(makeNamespace('apps', { team: 'b' }));
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - outageStarted)));
    await env.etcd.restart();
    await waitFor('convergence', async () => {
      const keys = Object.keys(await env.revisions());
      return (
        keys.includes(endpointKey('node-1', 'apps', 'late-4')) &&
        !keys.includes(endpointKey('node-1', 'apps', 'web-1')) &&
        keys.includes(policyKey('apps', 'during-outage'))
      );
    }, 30_000);
    const ns = await env.client.getRaw(namespaceKey('apps'));
    expect(JSON.parse(ns!.value).spec.labels.team).toBe('b');
    expect(await ctl.metric('palisade_controller_errors_total', { kind: 'etcd' })).toBeGreaterThan(0);
    expect(ctl.logs.some((l) => l.level === 'warn' && l.message === 'etcd error, will retry')).toBe(true);
    expect(await ctl.stop()).toBe(0);
  });
});

describe('invalid policy', () => {
  it('is stored with spec.error and no rules; the controller keeps running', async () => {
    const ctl = await started('ctl-5');
    env.kube.injectRaw('networkpolicies', {
      metadata: { name: 'broken', namespace: 'apps' },
      spec: {
        podSelector: { matchLabels: { app: 'web-2' } },
        ingress: [{ ports: [{ port: 100, endPort: 50 }], from: [{ podSelector: {} }] }],
      },
    });
    env.kube.injectRaw('networkpolicies', {
      metadata: { name: 'weird-shape', namespace: 'apps' },
      spec: { podSelector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, ingress: { not: 'a list' } },
    });
    const broken = await waitFor('broken policy', () => env.client.get(policyKey('apps', 'broken'), PolicySchema));
    expect(broken.value.spec).toEqual({
      order: 1000,
      selector: "app == 'web-2' && pal:namespace == 'apps'",
      types: ['Ingress'],
      ingress: [],
      egress: [],
      error: { field: 'spec.ingress[0].ports[0].endPort', message: 'endPort 50 must be >= port 100' },
    });
    const weird = await waitFor('weird policy', () => env.client.get(policyKey('apps', 'weird-shape'), PolicySchema));
    expect(weird.value.spec.selector).toBe("pal:namespace == 'apps'");
    expect(weird.value.spec.error?.field).toBe('spec.podSelector.matchExpressions[0].operator');
    expect(
      ctl.logs.find((l) => l.level === 'warn' && l.name === 'broken' && l.namespace === 'apps'),
    ).toMatchObject({ field: 'spec.ingress[0].ports[0].endPort' });
    expect(await ctl.metric('palisade_controller_invalid_policies')).toBe(2);
    // Still working.
    await env.rest.createPolicy(makeNetworkPolicy('after', 'apps'));
    await waitFor('later policy', () => env.client.get(policyKey('apps', 'after'), PolicySchema));
    expect((await ctl.get('/readyz')).status).toBe(200);
    expect(await ctl.stop()).toBe(0);
  });
});
