/**
 * Every manifest the chart renders, for the default values and each example, is
 * valid against the Kubernetes OpenAPI schemas (no unknown fields either), and the
 * workloads keep the properties the design depends on.
 */
import { describe, expect, it } from 'vitest';
import { validateManifest } from './k8sValidate.js';
import {
  envOf,
  find,
  podSpec,
  render,
  renderWith,
  RELEASE,
  VALUE_SETS,
  workloads,
  type Container,
  type PodSpec,
} from './helpers.js';

const fullname = `${RELEASE}-palisade`;

describe('chart rendered for a cluster with the Prometheus operator', () => {
  it('renders valid ServiceMonitors', async () => {
    const { manifests } = renderWith(
      { apiVersions: ['monitoring.coreos.com/v1'] },
      { metrics: { serviceMonitor: { enabled: true } } },
    );
    const sms = manifests.filter((m) => m.kind === 'ServiceMonitor');
    expect(sms).toHaveLength(2);
    const problems = (await Promise.all(sms.map((m) => validateManifest(m)))).flat();
    expect(problems).toEqual([]);
  });
});

describe.each(VALUE_SETS)('chart rendered with $name', ({ values }) => {
  const { manifests } = render(...values);

  it('renders only valid Kubernetes objects', async () => {
    const problems = (await Promise.all(manifests.map((m) => validateManifest(m)))).flat();
    expect(problems).toEqual([]);
  });

  it('gives every object a unique kind/name and the release namespace when namespaced', () => {
    const ids = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of manifests) {
      if (m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')
        expect(m.metadata.namespace).toBeUndefined();
      else expect(m.metadata.namespace, `${m.kind}/${m.metadata.name}`).toBe('palisade-system');
    }
  });

  it('points every probe at a port the container declares', () => {
    for (const w of workloads(manifests)) {
      for (const c of podSpec(w).containers) {
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
          const port = probe?.httpGet?.port;
          if (port === undefined) continue;
          const declared = c.ports?.find((p) => p.name === port || p.containerPort === port);
          expect(
            declared,
            `${w.kind}/${w.metadata.name} ${c.name} probe port ${port}`,
          ).toBeDefined();
        }
      }
    }
  });

  it('points every Service at a named port of the pods it selects', () => {
    for (const svc of manifests.filter((m) => m.kind === 'Service')) {
      const spec = svc.spec as {
        selector: Record<string, string>;
        ports: { targetPort: string }[];
      };
      const pods = workloads(manifests).filter((w) => {
        const labels = (w.spec as { template: { metadata: { labels: Record<string, string> } } })
          .template.metadata.labels;
        return Object.entries(spec.selector).every(([k, v]) => labels[k] === v);
      });
      expect(pods.length, `Service ${svc.metadata.name} selects nothing`).toBeGreaterThan(0);
      for (const p of pods)
        for (const port of spec.ports)
          expect(
            podSpec(p).containers.some((c) => c.ports?.some((cp) => cp.name === port.targetPort)),
          ).toBe(true);
    }
  });

  it('runs the agent on every node: host network, tolerates every taint, node-critical', () => {
    const ds = find(manifests, 'DaemonSet', `${fullname}-agent`);
    const spec = podSpec(ds);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.tolerations).toContainEqual({ operator: 'Exists' });
    expect(spec.priorityClassName).toBe('system-node-critical');
    expect(ds.spec).toMatchObject({
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    });
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(0);
    const agent = spec.containers[0]!;
    expect(agent.env).toContainEqual({
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    expect(agent.volumeMounts).toContainEqual({
      name: 'xtables-lock',
      mountPath: '/run/xtables.lock',
    });
    expect(spec.volumes).toContainEqual({
      name: 'xtables-lock',
      hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' },
    });
  });

  it('gives the agent NET_ADMIN and NET_RAW (plus SETUID/SETGID for tcpdump), never privileged', () => {
    for (const name of [`${fullname}-agent`, `${fullname}-cleanup`]) {
      const c = podSpec(find(manifests, 'DaemonSet', name)).containers[0]!;
      expect(c.securityContext).toMatchObject({
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID'] },
      });
    }
  });

  it('runs every other container as non-root with a read-only root, no capabilities and RuntimeDefault seccomp', () => {
    const restricted = workloads(manifests).filter((w) => w.kind !== 'DaemonSet');
    expect(restricted.length).toBeGreaterThan(0);
    for (const w of restricted) {
      const spec = podSpec(w);
      for (const c of spec.containers) {
        const sc = { ...spec.securityContext, ...c.securityContext } as Record<string, unknown>;
        expect(sc, `${w.kind}/${w.metadata.name}`).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect((c.securityContext?.capabilities as { add?: unknown })?.add).toBeUndefined();
      }
    }
  });

  it('gives Kubernetes API tokens only to the controller and the cleanup waiter', () => {
    for (const w of workloads(manifests)) {
      const spec = podSpec(w);
      const mounts = spec.automountServiceAccountToken !== false;
      const allowed =
        w.metadata.name === `${fullname}-controller` ||
        w.metadata.name === `${fullname}-cleanup-wait`;
      expect(mounts, `${w.kind}/${w.metadata.name}`).toBe(allowed);
    }
    const agentSa = find(manifests, 'ServiceAccount', `${fullname}-agent`);
    expect(agentSa.automountServiceAccountToken).toBe(false);
  });

  it('configures etcd the same way for the controller and the agent, each with its own user', () => {
    const env = (c: Container) =>
      c.env?.filter(
        (e) => e.name.startsWith('PALISADE_ETCD_') && e.name !== 'PALISADE_ETCD_USERNAME',
      );
    const controller = podSpec(find(manifests, 'Deployment', `${fullname}-controller`))
      .containers[0]!;
    const agent = podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!;
    const viaProxy = manifests.some((m) => m.metadata.name === `${fullname}-etcd-grpc-proxy`);
    // Through etcd.grpcProxy the agent talks plain gRPC to the proxy (grpcProxy.test.ts).
    if (viaProxy)
      expect(env(agent)?.map((e) => e.name)).toEqual(
        env(controller)
          ?.map((e) => e.name)
          .filter((n) => !/_(CA|CERT|KEY)_FILE$/.test(n)),
      );
    else expect(env(controller)).toEqual(env(agent));
    expect(envOf(controller, 'PALISADE_ETCD_USERNAME')).toBe('palisade-controller');
    expect(envOf(agent, 'PALISADE_ETCD_USERNAME')).toBe('palisade-agent');
    expect(envOf(controller, 'PALISADE_ETCD_ENDPOINTS')).toMatch(
      /^https?:\/\/[^,\s]+:\d+(,https?:\/\/[^,\s]+:\d+)*$/,
    );
  });
});

describe('RBAC', () => {
  const { manifests } = render();
  const rules = (m: Record<string, unknown>) =>
    m.rules as {
      apiGroups: string[];
      resources: string[];
      verbs: string[];
      resourceNames?: string[];
    }[];

  it('lets the controller read pods, namespaces, NetworkPolicies and ClusterNetworkPolicies, and write only CNP status', () => {
    const granted = rules(find(manifests, 'ClusterRole', `${fullname}-controller`)).flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)),
      ),
    );
    const read = [
      '/pods',
      '/namespaces',
      'networking.k8s.io/networkpolicies',
      'policy.networking.k8s.io/clusternetworkpolicies',
    ].flatMap((r) => ['get', 'list', 'watch'].map((v) => `${r}:${v}`));
    const status = ['update', 'patch'].map(
      (v) => `policy.networking.k8s.io/clusternetworkpolicies/status:${v}`,
    );
    expect(granted.sort()).toEqual([...read, ...status].sort());
  });

  it('binds the controller role to the controller ServiceAccount only', () => {
    const binding = find(manifests, 'ClusterRoleBinding', `${fullname}-controller`);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: `${fullname}-controller`, namespace: 'palisade-system' },
    ]);
    expect(
      podSpec(find(manifests, 'Deployment', `${fullname}-controller`)).serviceAccountName,
    ).toBe(`${fullname}-controller`);
  });

  it('binds nothing to the agent', () => {
    const bindings = manifests.filter(
      (m) => m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding',
    );
    const subjects = bindings.flatMap((b) => b.subjects as { name: string }[]);
    expect(subjects.map((s) => s.name)).not.toContain(`${fullname}-agent`);
    expect(podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).serviceAccountName).toBe(
      `${fullname}-agent`,
    );
  });

  it('lets the cleanup waiter read only its own DaemonSet', () => {
    expect(rules(find(manifests, 'Role', `${fullname}-cleanup`))).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['daemonsets'],
        resourceNames: [`${fullname}-cleanup`],
        verbs: ['get'],
      },
    ]);
  });

  it('has no other roles', () => {
    const roles = manifests
      .filter((m) => m.kind === 'Role' || m.kind === 'ClusterRole')
      .map((m) => m.metadata.name);
    expect(roles.sort()).toEqual([`${fullname}-cleanup`, `${fullname}-controller`]);
  });
});

describe('controller', () => {
  const { manifests } = render();
  const deploy = find(manifests, 'Deployment', `${fullname}-controller`);
  const c = podSpec(deploy).containers[0]!;

  it('runs 2 replicas that elect a leader through etcd, identified by pod name', () => {
    expect(deploy.spec).toMatchObject({
      replicas: 2,
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    expect(c.args).toContain('--lease-ttl=15s');
    expect(c.env).toContainEqual({
      name: 'PALISADE_CONTROLLER_ID',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
  });

  it('probes /livez and /readyz on the metrics port 9091', () => {
    expect(c.args).toContain('--metrics-port=9091');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9091, protocol: 'TCP' }]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('has a PodDisruptionBudget that still lets a single replica be drained', () => {
    expect(find(manifests, 'PodDisruptionBudget', `${fullname}-controller`).spec).toMatchObject({
      maxUnavailable: 1,
    });
  });
});

describe('agent', () => {
  it.each([
    [
      'defaults',
      {},
      [
        '--metrics-port=9092',
        '--iptables-backend=auto',
        '--ipv6=auto',
        '--log-level=info',
        '--log-format=json',
      ],
    ],
    [
      'legacy, no IPv6, debug',
      { agent: { iptablesBackend: 'legacy', ipv6: false }, log: { level: 'debug' } },
      ['--iptables-backend=legacy', '--ipv6=false', '--log-level=debug'],
    ],
    [
      'extra args',
      { agent: { extraArgs: ['--max-apply-failures=9'] } },
      ['--max-apply-failures=9'],
    ],
  ])('passes flags: %s', (_name, values, expected) => {
    const c = podSpec(find(render(values).manifests, 'DaemonSet', `${fullname}-agent`))
      .containers[0]!;
    for (const arg of expected) expect(c.args).toContain(arg);
  });

  it('mounts /lib/modules read-only only when asked', () => {
    const mounts = (v: Record<string, unknown>) =>
      podSpec(
        find(render(v).manifests, 'DaemonSet', `${fullname}-agent`),
      ).containers[0]!.volumeMounts!.map((m) => m.mountPath);
    expect(mounts({})).not.toContain('/lib/modules');
    const spec: PodSpec = podSpec(
      find(
        render({ agent: { mountLibModules: true } }).manifests,
        'DaemonSet',
        `${fullname}-agent`,
      ),
    );
    expect(spec.containers[0]!.volumeMounts).toContainEqual({
      name: 'lib-modules',
      mountPath: '/lib/modules',
      readOnly: true,
    });
    expect(mounts({ agent: { mountLibModules: true } })).toContain('/lib/modules');
  });

  it('drops SETUID/SETGID when blocked-connection capture is off', () => {
    const c = podSpec(
      find(
        render({ agent: { blockedConnections: { capture: false } } }).manifests,
        'DaemonSet',
        `${fullname}-agent`,
      ),
    ).containers[0]!;
    expect(c.securityContext?.capabilities).toEqual({
      drop: ['ALL'],
      add: ['NET_ADMIN', 'NET_RAW'],
    });
  });
});
