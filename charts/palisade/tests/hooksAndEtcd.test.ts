/** The uninstall cleanup hook, the two etcd modes, metrics and NOTES.txt. */
import { describe, expect, it } from 'vitest';
import { renderNotes, type Manifest } from './helm.js';
import { cleanupProgress } from '../../../images/hooks/waitForDaemonSet.mjs';
import {
  CHART_DIR,
  envOf,
  EXTERNAL,
  find,
  NAMESPACE,
  podSpec,
  RELEASE,
  render,
  renderWith,
  VALUE_SETS,
} from './helpers.js';

const fullname = `${RELEASE}-palisade`;

/** EXTERNAL with etcd.auth overridden. */
function mergeAuth(auth: Record<string, unknown>): Record<string, unknown> {
  return { etcd: { ...EXTERNAL.etcd, auth } };
}
const hookOf = (m: { metadata: { annotations?: Record<string, string> } }) =>
  m.metadata.annotations?.['helm.sh/hook'];

describe('uninstall cleanup hook', () => {
  const { manifests } = render();
  const hooks = manifests.filter((m) => hookOf(m) !== undefined);

  it('is made only of post-delete hooks, deleted once they succeed', () => {
    expect(hooks.map((h) => `${h.kind}/${h.metadata.name}`).sort()).toEqual(
      [
        `DaemonSet/${fullname}-cleanup`,
        `Job/${fullname}-cleanup-wait`,
        `Role/${fullname}-cleanup`,
        `RoleBinding/${fullname}-cleanup`,
        `ServiceAccount/${fullname}-cleanup`,
      ].sort(),
    );
    for (const h of hooks) {
      expect(hookOf(h)).toBe('post-delete');
      expect(h.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe(
        'before-hook-creation,hook-succeeded',
      );
    }
  });

  it('creates the RBAC first, then the DaemonSet, then the Job Helm waits for', () => {
    const weight = (kind: string) =>
      Number(hooks.find((h) => h.kind === kind)!.metadata.annotations!['helm.sh/hook-weight']);
    expect(weight('ServiceAccount')).toBeLessThan(weight('DaemonSet'));
    expect(weight('Role')).toBeLessThan(weight('DaemonSet'));
    expect(weight('RoleBinding')).toBeLessThan(weight('DaemonSet'));
    expect(weight('DaemonSet')).toBeLessThan(weight('Job'));
  });

  it('runs palisade-agent --cleanup on every node the agent runs on, after the agent has stopped', () => {
    const cleanup = podSpec(find(manifests, 'DaemonSet', `${fullname}-cleanup`));
    const agent = podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`));
    expect(cleanup.hostNetwork).toBe(true);
    expect(cleanup.tolerations).toEqual(agent.tolerations);
    expect(cleanup.nodeSelector).toEqual(agent.nodeSelector);
    const c = cleanup.containers[0]!;
    const script = c.args!.join('\n');
    expect(script).toMatch(/\/dev\/tcp\/127\.0\.0\.1\/9092/);
    expect(script).toMatch(/palisade-agent --cleanup .*\|\| exit 1\n/);
    expect(script.indexOf('/dev/tcp')).toBeLessThan(script.indexOf('--cleanup'));
    expect(c.readinessProbe?.exec?.command).toEqual(['test', '-f', '/run/palisade-cleanup/done']);
    expect(script).toContain('touch /run/palisade-cleanup/done');
    expect(c.env).toContainEqual({
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
  });

  it('makes the waiter poll the cleanup DaemonSet with the configured timeout', () => {
    const c = podSpec(
      find(
        render({ cleanup: { timeoutSeconds: 99 } }).manifests,
        'Job',
        `${fullname}-cleanup-wait`,
      ),
    ).containers[0]!;
    expect(envOf(c, 'DAEMONSET')).toBe(`${fullname}-cleanup`);
    expect(envOf(c, 'NAMESPACE')).toBe(NAMESPACE);
    expect(envOf(c, 'TIMEOUT_SECONDS')).toBe('99');
  });

  it('is absent when cleanup.enabled is false', () => {
    expect(
      render({ cleanup: { enabled: false } }).manifests.filter((m) => hookOf(m) !== undefined),
    ).toEqual([]);
  });
});

describe('cleanup waiter (images/hooks/waitForDaemonSet.mjs)', () => {
  it.each([
    ['status not observed yet', { metadata: { generation: 1 }, status: {} }, false],
    [
      'an older generation observed',
      {
        metadata: { generation: 2 },
        status: { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 3 },
      },
      false,
    ],
    [
      'some nodes not cleaned',
      {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 2 },
      },
      false,
    ],
    [
      'every node cleaned',
      {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 3 },
      },
      true,
    ],
    [
      'no node to clean',
      {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, desiredNumberScheduled: 0, numberReady: 0 },
      },
      true,
    ],
  ])('%s', (_name, ds, done) => {
    expect(cleanupProgress(ds).done).toBe(done);
  });
});

describe('etcd', () => {
  it('bundled (default): a single-replica StatefulSet with a PVC, reached through its Service', () => {
    const { manifests } = render();
    const sts = find(manifests, 'StatefulSet', `${fullname}-etcd`);
    expect(sts.spec).toMatchObject({ replicas: 1, serviceName: `${fullname}-etcd-headless` });
    expect((sts.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates).toHaveLength(1);
    find(manifests, 'Service', `${fullname}-etcd`);
    const c = podSpec(find(manifests, 'Deployment', `${fullname}-controller`)).containers[0]!;
    expect(envOf(c, 'PALISADE_ETCD_ENDPOINTS')).toBe(
      `http://${fullname}-etcd.${NAMESPACE}.svc.cluster.local:2379`,
    );
    expect(envOf(c, 'PALISADE_ETCD_CA_FILE')).toBeUndefined();
    expect(podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).dnsPolicy).toBe(
      'ClusterFirstWithHostNet',
    );
  });

  it('bundled without persistence uses an emptyDir', () => {
    const sts = find(
      render({ etcd: { bundled: { persistence: { enabled: false } } } }).manifests,
      'StatefulSet',
      `${fullname}-etcd`,
    );
    expect((sts.spec as { volumeClaimTemplates?: unknown }).volumeClaimTemplates).toBeUndefined();
    expect(podSpec(sts).volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  it('external with TLS and auth: no etcd pods; TLS Secret mounted, own user and password file', () => {
    const { manifests } = render(EXTERNAL, {
      etcd: { auth: { enabled: true, secrets: { root: 'etcd-root' } } },
    });
    expect(
      manifests.filter(
        (m) => ['StatefulSet', 'Service'].includes(m.kind) && m.metadata.name.includes('-etcd'),
      ),
    ).toEqual([]);
    for (const [w, component] of [
      [find(manifests, 'Deployment', `${fullname}-controller`), 'controller'],
      [find(manifests, 'DaemonSet', `${fullname}-agent`), 'agent'],
    ] as const) {
      const spec = podSpec(w);
      const c = spec.containers[0]!;
      expect(envOf(c, 'PALISADE_ETCD_ENDPOINTS')).toBe('https://etcd-0.example:2379');
      expect(envOf(c, 'PALISADE_ETCD_CA_FILE')).toBe('/etc/palisade/etcd-tls/ca.crt');
      expect(envOf(c, 'PALISADE_ETCD_CERT_FILE')).toBe('/etc/palisade/etcd-tls/tls.crt');
      expect(envOf(c, 'PALISADE_ETCD_KEY_FILE')).toBe('/etc/palisade/etcd-tls/tls.key');
      expect(envOf(c, 'PALISADE_ETCD_USERNAME')).toBe(`palisade-${component}`);
      expect(envOf(c, 'PALISADE_ETCD_PASSWORD_FILE')).toBe('/etc/palisade/etcd-auth/password');
      expect(envOf(c, 'PALISADE_ETCD_PASSWORD')).toBeUndefined();
      expect(c.volumeMounts).toContainEqual({
        name: 'etcd-tls',
        mountPath: '/etc/palisade/etcd-tls',
        readOnly: true,
      });
      expect(spec.volumes).toContainEqual({
        name: 'etcd-tls',
        secret: { secretName: 'etcd-client', defaultMode: 0o440 },
      });
    }
  });

  it.each([
    ['bundled', {}],
    ['external', mergeAuth({ enabled: true, secrets: { root: 'etcd-root' } })],
  ])(
    '%s: every workload mounts only its own etcd Secret, and only its password',
    (_name, values) => {
      const { manifests } = render(values);
      const secretsOf = (m: Manifest) =>
        (podSpec(m).volumes ?? []).flatMap((v) => (v.secret ? [v.secret] : []));
      const etcdSecret = (c: string) => `${fullname}-etcd-${c}`;
      expect(secretsOf(find(manifests, 'Deployment', `${fullname}-controller`))).toContainEqual({
        secretName: etcdSecret('controller'),
        defaultMode: 0o440,
        items: [{ key: 'password', path: 'password' }],
      });
      for (const m of manifests.filter((x) =>
        ['Deployment', 'DaemonSet', 'StatefulSet'].includes(x.kind),
      )) {
        const mounted = secretsOf(m)
          .map((s) => s.secretName)
          .filter((n) => n.startsWith(`${fullname}-etcd-`) || n === 'etcd-root');
        const own = m.metadata.name.endsWith('-controller')
          ? [etcdSecret('controller')]
          : m.metadata.name.endsWith('-agent')
            ? [etcdSecret('agent')]
            : [];
        expect([m.metadata.name, mounted]).toEqual([m.metadata.name, own]);
      }
    },
  );

  it('bundled: generated per-component Secrets kept on uninstall, and a setup Job that turns auth on', () => {
    const { manifests } = render();
    for (const [c, user] of [
      ['controller', 'palisade-controller'],
      ['agent', 'palisade-agent'],
      ['cli', 'palisade-cli'],
      ['root', 'root'],
    ]) {
      const secret = find(manifests, 'Secret', `${fullname}-etcd-${c}`);
      const data = secret.data as Record<string, string>;
      expect(Buffer.from(data.username!, 'base64').toString()).toBe(user);
      expect(Buffer.from(data.password!, 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    }
    const job = podSpec(find(manifests, 'Job', `${fullname}-etcd-setup-1`));
    const c = job.containers[0]!;
    expect(c.command).toEqual(['palisadectl']);
    expect(c.args).toEqual([
      'etcd-setup',
      '--controller-password-file=/etc/palisade/etcd-setup/controller/password',
      '--agent-password-file=/etc/palisade/etcd-setup/agent/password',
      '--cli-password-file=/etc/palisade/etcd-setup/cli/password',
      '--enable-auth',
      '--root-password-file=/etc/palisade/etcd-setup/root/password',
    ]);
    expect(envOf(c, 'PALISADE_ETCD_USERNAME')).toBe('root');
    expect(job.automountServiceAccountToken).toBe(false);
  });

  it('external: uses the given Secrets, creates no root Secret, and needs one for the setup Job', () => {
    const given = { controller: 'ctl-pw', agent: 'agent-pw', cli: 'cli-pw', root: 'etcd-root' };
    const { manifests } = render(mergeAuth({ enabled: true, secrets: given }));
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const job = podSpec(find(manifests, 'Job', `${fullname}-etcd-setup-1`));
    expect(job.containers[0]!.args).not.toContain('--enable-auth');
    expect(
      (job.volumes ?? [])
        .map((v) => v.secret?.secretName)
        .filter(Boolean)
        .sort(),
    ).toEqual([...Object.values(given), 'etcd-client'].sort());
    expect(() => render(mergeAuth({ enabled: true }))).toThrow(
      /etcd.auth.setup.enabled needs etcd.auth.secrets.root/,
    );
    const noSetup = render(mergeAuth({ enabled: true, setup: { enabled: false } })).manifests;
    expect(
      noSetup.filter((m) => m.kind === 'Job' && m.metadata.name.includes('etcd-setup')),
    ).toEqual([]);
    expect(
      noSetup
        .filter((m) => m.kind === 'Secret')
        .map((m) => m.metadata.name)
        .sort(),
    ).toEqual(['agent', 'cli', 'controller'].map((c) => `${fullname}-etcd-${c}`));
  });

  it('external without auth: no etcd credentials at all', () => {
    const { manifests } = render(EXTERNAL);
    expect(
      manifests.filter(
        (m) => m.kind === 'Secret' || (m.kind === 'Job' && m.metadata.name.includes('etcd')),
      ),
    ).toEqual([]);
    const c = podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!;
    expect(envOf(c, 'PALISADE_ETCD_USERNAME')).toBeUndefined();
  });

  it('joins several external endpoints with commas', () => {
    const { manifests } = render({
      etcd: { bundled: { enabled: false }, endpoints: ['http://a:2379', 'http://b:2379'] },
    });
    const c = podSpec(find(manifests, 'DaemonSet', `${fullname}-agent`)).containers[0]!;
    expect(envOf(c, 'PALISADE_ETCD_ENDPOINTS')).toBe('http://a:2379,http://b:2379');
  });
});

describe('metrics', () => {
  const PROM = ['monitoring.coreos.com/v1'];
  const sms = (m: Manifest[]) => m.filter((x) => x.kind === 'ServiceMonitor');

  it('has no ServiceMonitor by default, even where the Prometheus operator is installed', () => {
    expect(sms(renderWith({ apiVersions: PROM }).manifests)).toEqual([]);
  });

  it('skips the ServiceMonitors where the cluster lacks the Prometheus operator CRDs', () => {
    // Installing examples/bundled-etcd.yaml there failed: no matches for kind "ServiceMonitor".
    const example = VALUE_SETS.find((v) => v.name === 'examples/bundled-etcd.yaml')!;
    const { manifests } = render(...example.values);
    expect(sms(manifests)).toEqual([]);
    expect(find(manifests, 'DaemonSet', `${fullname}-agent`)).toBeDefined();
  });

  it('has one ServiceMonitor per component when enabled and the operator is installed', () => {
    const found = sms(
      renderWith(
        { apiVersions: PROM },
        { metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } } },
      ).manifests,
    );
    expect(found.map((m) => m.metadata.name).sort()).toEqual([
      `${fullname}-agent`,
      `${fullname}-controller`,
    ]);
    for (const sm of found) expect(sm.metadata.labels?.release).toBe('prom');
  });
});

describe('NOTES.txt', () => {
  it.each([
    ['bundled etcd', [], /StatefulSet pal-palisade-etcd \(bundled/],
    ['external etcd', [EXTERNAL], /etcd: {7}https:\/\/etcd-0\.example:2379/],
  ])('tells how to check the install with palisadectl status (%s)', (_name, values, etcdLine) => {
    const notes = renderNotes({
      chartDir: CHART_DIR,
      releaseName: RELEASE,
      namespace: NAMESPACE,
      values,
    });
    expect(notes).toContain(
      `kubectl -n ${NAMESPACE} exec deploy/${fullname}-controller -- palisadectl status`,
    );
    expect(notes).toContain(`kubectl -n ${NAMESPACE} rollout status daemonset/${fullname}-agent`);
    expect(notes).toMatch(etcdLine);
  });
});
