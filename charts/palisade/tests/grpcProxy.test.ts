/** etcd.grpcProxy: the agents watch through `etcd grpc-proxy`; everything else talks to etcd. */
import { describe, expect, it } from 'vitest';
import { envOf, EXTERNAL, find, podSpec, RELEASE, render, workloads } from './helpers.js';

const fullname = `${RELEASE}-palisade`;
const proxyName = `${fullname}-etcd-grpc-proxy`;
const proxy = (extra: Record<string, unknown> = {}) => ({
  etcd: { ...EXTERNAL.etcd, grpcProxy: { enabled: true, ...extra } },
});

const agentEnv = (manifests: ReturnType<typeof render>['manifests'], name: string) =>
  envOf(podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!, name);

describe('etcd.grpcProxy', () => {
  it('is off by default: no proxy, the agents talk to etcd', () => {
    const { manifests } = render(EXTERNAL);
    expect(manifests.some((m) => m.metadata.name === proxyName)).toBe(false);
    expect(agentEnv(manifests, 'PALISADE_ETCD_ENDPOINTS')).toBe('https://etcd-0.example:2379');
  });

  it('daemonset: a node-local proxy on 127.0.0.1 with the TLS client certificate; the agents use it in plain gRPC', () => {
    const { manifests } = render(proxy({ mode: 'daemonset' }));
    const ds = find(manifests, 'DaemonSet', proxyName);
    const spec = podSpec(ds);
    expect((spec as unknown as { hostNetwork?: boolean }).hostNetwork).toBe(true);
    const c = spec.containers[0]!;
    expect(c.command).toEqual([
      'etcd',
      'grpc-proxy',
      'start',
      '--endpoints=https://etcd-0.example:2379',
      '--listen-addr=127.0.0.1:23790',
      '--data-dir=/tmp/grpc-proxy',
      '--cacert=/etc/palisade/etcd-tls/ca.crt',
      '--cert=/etc/palisade/etcd-tls/tls.crt',
      '--key=/etc/palisade/etcd-tls/tls.key',
    ]);
    expect(agentEnv(manifests, 'PALISADE_ETCD_ENDPOINTS')).toBe('http://127.0.0.1:23790');
    expect(agentEnv(manifests, 'PALISADE_ETCD_CA_FILE')).toBeUndefined();
    expect(manifests.some((m) => m.kind === 'Service' && m.metadata.name === proxyName)).toBe(
      false,
    );
  });

  it('deployment: replicas behind a ClusterIP Service', () => {
    const { manifests } = render(proxy({ mode: 'deployment', replicas: 3, port: 2400 }));
    const dep = find(manifests, 'Deployment', proxyName);
    expect((dep.spec as { replicas: number }).replicas).toBe(3);
    expect(podSpec(dep).containers[0]!.command).toContain('--listen-addr=0.0.0.0:2400');
    find(manifests, 'Service', proxyName);
    expect(agentEnv(manifests, 'PALISADE_ETCD_ENDPOINTS')).toBe(
      `http://${proxyName}.palisade-system.svc.cluster.local:2400`,
    );
  });

  it('keeps the controller and the etcd-setup Job on etcd itself, and agent auth unchanged', () => {
    const { manifests } = render(proxy());
    for (const w of workloads(manifests)) {
      if (w.metadata.name === `${fullname}-agent` || w.metadata.name === proxyName) continue;
      for (const c of podSpec(w).containers) {
        const ep = envOf(c, 'PALISADE_ETCD_ENDPOINTS');
        if (ep !== undefined)
          expect(ep, `${w.kind}/${w.metadata.name}`).toBe('https://etcd-0.example:2379');
      }
    }
    const direct = render(EXTERNAL).manifests;
    expect(agentEnv(manifests, 'PALISADE_ETCD_USERNAME')).toBe(
      agentEnv(direct, 'PALISADE_ETCD_USERNAME'),
    );
  });

  it('the bundled etcd: the proxy runs the bundled etcd image against its Service', () => {
    const { manifests } = render({ etcd: { grpcProxy: { enabled: true } } });
    const c = podSpec(find(manifests, 'Deployment', proxyName)).containers[0]!;
    expect((c as unknown as { image: string }).image).toMatch(/^quay\.io\/coreos\/etcd:v3\./);
    expect(c.command).toContain(
      `--endpoints=http://${fullname}-etcd.palisade-system.svc.cluster.local:2379`,
    );
  });

  it('agent.revokeConnections becomes --revoke-connections', () => {
    const args = (v: Record<string, unknown>) =>
      podSpec(find(render(v).manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!.args;
    expect(args({})).toContain('--revoke-connections=false');
    expect(args({ agent: { revokeConnections: true } })).toContain('--revoke-connections=true');
  });
});
