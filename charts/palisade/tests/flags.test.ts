/**
 * The flags and environment the chart gives each container are accepted by the
 * programs' own config parsers (the real parseConfig of @palisade/agent and
 * @palisade/controller), and mean what the values say.
 */
import { parseConfig as parseAgentConfig } from '@palisade/agent';
import { parseConfig as parseControllerConfig } from '@palisade/controller';
import { describe, expect, it } from 'vitest';
import { find, podSpec, render, RELEASE, VALUE_SETS, type Container } from './helpers.js';

const fullname = `${RELEASE}-palisade`;

/** The container's environment as the kubelet would set it (downward API and Secrets faked). */
function envOf(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef)
      env[e.name] = e.valueFrom.fieldRef.fieldPath === 'spec.nodeName' ? 'node-1' : 'pod-1';
    else if (e.valueFrom?.secretKeyRef) env[e.name] = `secret:${e.valueFrom.secretKeyRef.key}`;
  }
  return env;
}

describe.each(VALUE_SETS)('flags with $name', ({ values }) => {
  const { manifests } = render(...values);

  it('the agent accepts its arguments and environment', () => {
    const c = podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!;
    const cfg = parseAgentConfig(c.args ?? [], envOf(c));
    expect(cfg.nodeName).toBe('node-1');
    expect(cfg.cleanup).toBe(false);
    expect(cfg.metricsPort).toBe(c.ports![0]!.containerPort);
    expect(cfg.etcd.endpoints.join(',')).toBe(envOf(c).PALISADE_ETCD_ENDPOINTS);
    // Metrics on the node IP (the kubelet expands it from status.hostIP), never 0.0.0.0.
    expect(cfg.metricsHost).toBe('$(NODE_IP)');
    const nodeIp = (c.env ?? []).find((e) => e.name === 'NODE_IP');
    expect(nodeIp?.valueFrom?.fieldRef?.fieldPath).toBe('status.hostIP');
    // Local state on a hostPath, so it survives the container.
    expect(cfg.stateDir).toBe('/var/lib/palisade');
    expect(c.volumeMounts?.map((m) => m.mountPath)).toContain('/var/lib/palisade');
  });

  it('the controller accepts its arguments and environment', () => {
    const c = podSpec(find(manifests, 'Deployment', `${fullname}-controller`)).containers[0]!;
    const cfg = parseControllerConfig(c.args ?? [], envOf(c));
    expect(cfg.id).toBe('pod-1');
    expect(cfg.metricsPort).toBe(c.ports![0]!.containerPort);
    expect(cfg.etcd.endpoints.join(',')).toBe(envOf(c).PALISADE_ETCD_ENDPOINTS);
  });

  it('the cleanup hook runs the agent in cleanup mode with valid flags', () => {
    const c = podSpec(find(manifests, 'DaemonSet', `${fullname}-cleanup`)).containers[0]!;
    const line = c
      .args!.join('\n')
      .split('\n')
      .find((l) => l.trim().startsWith('palisade-agent '))!;
    const argv = line.replace('|| exit 1', '').trim().split(/\s+/).slice(1);
    const cfg = parseAgentConfig(argv, envOf(c));
    expect(cfg.cleanup).toBe(true);
    expect(cfg.nodeName).toBe('node-1');
  });
});

describe('flags follow the values', () => {
  it('external etcd with TLS and auth', () => {
    const { manifests } = render(VALUE_SETS[2]!.values[0]!);
    const c = podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!;
    const cfg = parseAgentConfig(c.args ?? [], envOf(c));
    expect(cfg.etcd).toEqual({
      endpoints: [
        'https://etcd-0.etcd.example.internal:2379',
        'https://etcd-1.etcd.example.internal:2379',
        'https://etcd-2.etcd.example.internal:2379',
      ],
      caFile: '/etc/palisade/etcd-tls/ca.crt',
      certFile: '/etc/palisade/etcd-tls/tls.crt',
      keyFile: '/etc/palisade/etcd-tls/tls.key',
      username: 'palisade-agent',
      passwordFile: '/etc/palisade/etcd-auth/password',
    });
    expect(cfg.iptablesBackend).toBe('legacy');
    expect(cfg.ipv6).toBe(false);
  });

  it.each([
    [
      { controller: { leaseTtlSeconds: 7, resyncInterval: '2m', metricsPort: 9500 } },
      { leaseTtlSeconds: 7, resyncIntervalMs: 120_000, metricsPort: 9500 },
    ],
    [{ log: { level: 'debug', format: 'text' } }, { logLevel: 'debug', logFormat: 'text' }],
  ])('controller %j', (override, expected) => {
    const c = podSpec(find(render(override).manifests, 'Deployment', `${fullname}-controller`))
      .containers[0]!;
    expect(parseControllerConfig(c.args ?? [], envOf(c))).toMatchObject(expected);
  });

  it.each([
    [
      { agent: { resyncInterval: '90s', statusTtlSeconds: 45, nflogGroup: 7, blockedLogRate: 3 } },
      { resyncIntervalMs: 90_000, statusTtlSeconds: 45, nflogGroup: 7, blockedLogPerSecond: 3 },
    ],
    [{ agent: { ipv6: 'true', iptablesBackend: 'nft' } }, { ipv6: true, iptablesBackend: 'nft' }],
  ])('agent %j', (override, expected) => {
    const c = podSpec(find(render(override).manifests, 'DaemonSet', `${fullname}-agent`))
      .containers[0]!;
    expect(parseAgentConfig(c.args ?? [], envOf(c))).toMatchObject(expected);
  });
});
