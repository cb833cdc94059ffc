/**
 * The harness's view of the Kubernetes API: it creates namespaces, pods (playing
 * kubelet: nodeName, status.podIPs, phase Running) and NetworkPolicies through
 * standard API calls only, so it works against the test API server and a real one.
 */
import * as k8s from '@kubernetes/client-node';

export interface PodSpecInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node: string;
  ips: string[];
  ports: number[];
  protocols: ('TCP' | 'UDP' | 'SCTP')[];
}

/** A NetworkPolicy as written in YAML (`from`, not the client library's `_from`). */
export type NetworkPolicyManifest = Record<string, unknown>;

/**
 * @kubernetes/client-node's typed models name `ingress[].from` as `_from` and silently
 * drop unknown keys when serializing. Sending a plain manifest unconverted would drop
 * every `from` and turn "allow from X" into "allow from anywhere".
 */
export function toTypedNetworkPolicy(manifest: NetworkPolicyManifest): k8s.V1NetworkPolicy {
  const np: { spec?: { ingress?: Record<string, unknown>[] } } = structuredClone(manifest);
  for (const rule of np.spec?.ingress ?? []) {
    if ('from' in rule) {
      rule._from = rule.from;
      delete rule.from;
    }
  }
  return np;
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

/** Polls `read` until it answers 404, so a deleted name can be reused right away. */
async function waitGone(what: string, read: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await read();
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (Date.now() > until) throw new Error(`${what} still exists ${timeoutMs} ms after its deletion`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class KubeClient {
  readonly core: k8s.CoreV1Api;
  readonly net: k8s.NetworkingV1Api;

  constructor(kubeconfigPath: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.net = kc.makeApiClient(k8s.NetworkingV1Api);
  }

  async ensureNamespace(name: string, labels: Record<string, string>): Promise<void> {
    try {
      const ns = await this.core.readNamespace({ name });
      ns.metadata = { ...ns.metadata, labels: { ...labels, 'kubernetes.io/metadata.name': name } };
      await this.core.replaceNamespace({ name, body: ns });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.core.createNamespace({ body: { metadata: { name, labels } } });
    }
  }

  async setNamespaceLabels(name: string, labels: Record<string, string>): Promise<void> {
    await this.ensureNamespace(name, labels);
  }

  /** Deletes and waits until it is gone (a real API server finalizes namespaces asynchronously). */
  async deleteNamespace(name: string): Promise<void> {
    try {
      await this.core.deleteNamespace({ name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await waitGone(`namespace ${name}`, () => this.core.readNamespace({ name }));
  }

  async createPod(p: PodSpecInput): Promise<void> {
    const ports = p.ports.flatMap((port) =>
      p.protocols.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })),
    );
    await this.core.createNamespacedPod({
      namespace: p.namespace,
      body: {
        metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
        spec: { nodeName: p.node, containers: [{ name: 'serve', image: 'registry.k8s.io/pause:3.10', ports }] },
      },
    });
    const pod = await this.core.readNamespacedPod({ name: p.name, namespace: p.namespace });
    pod.status = {
      phase: 'Running',
      podIP: p.ips[0],
      podIPs: p.ips.map((ip) => ({ ip })),
      hostIP: '10.64.0.1',
      conditions: [{ type: 'Ready', status: 'True' }],
    };
    await this.core.replaceNamespacedPodStatus({ name: p.name, namespace: p.namespace, body: pod });
  }

  async setPodLabels(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    const pod = await this.core.readNamespacedPod({ name, namespace });
    pod.metadata = { ...pod.metadata, labels };
    await this.core.replaceNamespacedPod({ name, namespace, body: pod });
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await waitGone(`pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ name, namespace }));
  }

  async applyNetworkPolicy(manifest: NetworkPolicyManifest): Promise<void> {
    const np = toTypedNetworkPolicy(manifest);
    const namespace = np.metadata?.namespace ?? 'default';
    const name = np.metadata?.name ?? '';
    try {
      const cur = await this.net.readNamespacedNetworkPolicy({ name, namespace });
      const body = { ...np, metadata: { ...np.metadata, resourceVersion: cur.metadata?.resourceVersion } };
      await this.net.replaceNamespacedNetworkPolicy({ name, namespace, body });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.net.createNamespacedNetworkPolicy({ namespace, body: np });
    }
  }

  async deleteNetworkPolicy(namespace: string, name: string): Promise<void> {
    try {
      await this.net.deleteNamespacedNetworkPolicy({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async listNetworkPolicies(namespace: string): Promise<string[]> {
    const list = await this.net.listNamespacedNetworkPolicy({ namespace });
    return list.items.map((i) => i.metadata?.name ?? '').filter(Boolean);
  }
}
