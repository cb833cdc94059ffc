/**
 * The harness's view of the Kubernetes API: it creates namespaces, pods (playing
 * kubelet: nodeName, status.podIPs, phase Running) and NetworkPolicies through
 * standard API calls only, so it works against the test API server and a real one.
 */
import * as k8s from '@kubernetes/client-node';
import { OWNER_LABEL, ownerOf, ownerSelector } from './owner.js';
import type { ServedPort } from './ports.js';
import { ClusterPolicyClient } from './clusterPolicies.js';

export interface PodSpecInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node: string;
  ips: string[];
  ports: readonly ServedPort[];
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

/** One line for an API error: `HTTP 422: <the Status message>` instead of the client's dump of body and headers. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e.code === 'number' && typeof e.body === 'string') {
    try {
      const status = JSON.parse(e.body) as { message?: unknown };
      if (typeof status.message === 'string') return `HTTP ${e.code}: ${status.message}`;
    } catch {
      /* not a Status */
    }
  }
  return err instanceof Error ? err.message : String(err);
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

/**
 * Every object it creates carries the owner label of its run (owner.ts), and it
 * deletes, relabels or replaces only objects that carry that label, so it is safe
 * on a shared cluster. Pods are deleted with grace period 0 and awaited until the
 * API answers 404: no kubelet runs on the harness's nodes, so a graceful deletion of
 * a bound pod would never complete.
 */
export class KubeClient {
  readonly core: k8s.CoreV1Api;
  readonly net: k8s.NetworkingV1Api;
  readonly owner: string;
  readonly selector: string;
  readonly clusterPolicies: ClusterPolicyClient;

  constructor(kubeconfigPath: string, prefix: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.net = kc.makeApiClient(k8s.NetworkingV1Api);
    this.owner = ownerOf(prefix);
    this.selector = ownerSelector(prefix);
    this.clusterPolicies = new ClusterPolicyClient(kc, this.owner, this.selector);
  }

  private owned(labels: Record<string, string> | undefined): Record<string, string> {
    return { ...labels, [OWNER_LABEL]: this.owner };
  }

  private isOwned(meta: k8s.V1ObjectMeta | undefined): boolean {
    return meta?.labels?.[OWNER_LABEL] === this.owner;
  }

  /**
   * Creates the namespace, or sets the labels of one this owner made. A namespace
   * of someone else stops the run; one of ours that is still terminating (from an
   * earlier run) is awaited first.
   */
  async ensureNamespace(name: string, labels: Record<string, string>): Promise<void> {
    const body = { metadata: { name, labels: { ...this.owned(labels), 'kubernetes.io/metadata.name': name } } };
    for (let attempt = 0; ; attempt++) {
      const ns = await this.core.readNamespace({ name }).catch((err: unknown) => {
        if (isNotFound(err)) return null;
        throw err;
      });
      if (ns && !this.isOwned(ns.metadata))
        throw new Error(`namespace ${name} exists on the cluster without the label ${this.selector}; the harness does not touch it. Delete it, or use another cluster`);
      try {
        if (!ns) await this.core.createNamespace({ body });
        else if (ns.metadata?.deletionTimestamp) {
          await this.deleteNamespace(name);
          continue;
        } else await this.core.replaceNamespace({ name, body: { ...ns, metadata: { ...ns.metadata, labels: body.metadata.labels } } });
        return;
      } catch (err) {
        // Someone else created or changed it in between: look again (a few times).
        if (attempt < 3 && (err as { code?: number }).code === 409) continue;
        throw err;
      }
    }
  }

  /** Throws, naming them, if any of these namespaces exists without this owner's label. */
  async checkNamespacesUsable(names: string[]): Promise<void> {
    const foreign: string[] = [];
    for (const name of names) {
      const ns = await this.core.readNamespace({ name }).catch((err: unknown) => {
        if (isNotFound(err)) return null;
        throw err;
      });
      if (ns && !this.isOwned(ns.metadata)) foreign.push(name);
    }
    if (foreign.length > 0)
      throw new Error(`namespace${foreign.length > 1 ? 's' : ''} ${foreign.join(', ')} already exist${foreign.length > 1 ? '' : 's'} on the cluster without the label ${this.selector}; the harness never touches objects it did not create. Delete ${foreign.length > 1 ? 'them' : 'it'}, or use another cluster`);
  }

  async setNamespaceLabels(name: string, labels: Record<string, string>): Promise<void> {
    await this.ensureNamespace(name, labels);
  }

  /** Deletes one of our namespaces and waits until it is gone (a real API server finalizes namespaces asynchronously). */
  async deleteNamespace(name: string): Promise<void> {
    const ns = await this.core.readNamespace({ name }).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (!ns) return;
    if (!this.isOwned(ns.metadata)) throw new Error(`refusing to delete namespace ${name}: it lacks the label ${this.selector}`);
    // Bound pods would keep the namespace Terminating forever without a kubelet.
    for (const pod of (await this.core.listNamespacedPod({ namespace: name, labelSelector: this.selector })).items)
      await this.deletePod(name, pod.metadata?.name ?? '');
    try {
      await this.core.deleteNamespace({ name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await waitGone(`namespace ${name}`, () => this.core.readNamespace({ name }));
  }

  /** Names of the namespaces this owner has on the cluster. */
  async ownedNamespaces(): Promise<string[]> {
    const list = await this.core.listNamespace({ labelSelector: this.selector });
    return list.items.map((n) => n.metadata?.name ?? '').filter(Boolean);
  }

  /** `namespace/name` of this owner's pods, in all namespaces. */
  async ownedPods(): Promise<string[]> {
    const list = await this.core.listPodForAllNamespaces({ labelSelector: this.selector });
    return list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  }

  async ownedNetworkPolicies(): Promise<string[]> {
    const list = await this.net.listNetworkPolicyForAllNamespaces({ labelSelector: this.selector });
    return list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  }

  /** Deletes this owner's pods, NetworkPolicies (all namespaces) and ClusterNetworkPolicies (pods: grace 0, awaited). */
  async deleteOwnedWorkloads(): Promise<void> {
    const split = (id: string): [string, string] => id.split('/') as [string, string];
    await Promise.all((await this.ownedPods()).map((id) => this.deletePod(...split(id))));
    for (const id of await this.ownedNetworkPolicies()) await this.deleteNetworkPolicy(...split(id));
    await this.clusterPolicies.deleteOwned();
  }

  /** Removes everything this owner has on the cluster, e.g. what an earlier run left. */
  async deleteEverythingOwned(): Promise<void> {
    await this.deleteOwnedWorkloads();
    for (const ns of await this.ownedNamespaces()) await this.deleteNamespace(ns);
  }

  async createPod(p: PodSpecInput): Promise<void> {
    const ports = p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: x.protocol }));
    await this.core.createNamespacedPod({
      namespace: p.namespace,
      body: {
        metadata: { name: p.name, namespace: p.namespace, labels: this.owned(p.labels) },
        spec: { nodeName: p.node, containers: [{ name: 'serve', image: 'registry.k8s.io/pause:3.10', ports }] },
      },
    });
    try {
      const pod = await this.core.readNamespacedPod({ name: p.name, namespace: p.namespace });
      pod.status = {
        phase: 'Running',
        podIP: p.ips[0],
        podIPs: p.ips.map((ip) => ({ ip })),
        hostIP: '10.64.0.1',
        conditions: [{ type: 'Ready', status: 'True' }],
      };
      await this.core.replaceNamespacedPodStatus({ name: p.name, namespace: p.namespace, body: pod });
    } catch (err) {
      await this.deletePod(p.namespace, p.name).catch(() => {}); // no half-made pod stays behind
      throw err;
    }
  }

  async setPodLabels(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    const pod = await this.core.readNamespacedPod({ name, namespace });
    if (!this.isOwned(pod.metadata)) throw new Error(`refusing to relabel pod ${namespace}/${name}: it lacks the label ${this.selector}`);
    pod.metadata = { ...pod.metadata, labels: this.owned(labels) };
    await this.core.replaceNamespacedPod({ name, namespace, body: pod });
  }

  /** Deletes with grace period 0 and waits for 404 (not just a deletionTimestamp). */
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
    np.metadata = { ...np.metadata, labels: this.owned(np.metadata?.labels) };
    const namespace = np.metadata.namespace ?? 'default';
    const name = np.metadata.name ?? '';
    try {
      const cur = await this.net.readNamespacedNetworkPolicy({ name, namespace });
      if (!this.isOwned(cur.metadata)) throw new Error(`refusing to replace NetworkPolicy ${namespace}/${name}: it lacks the label ${this.selector}`);
      const body = { ...np, metadata: { ...np.metadata, resourceVersion: cur.metadata?.resourceVersion } };
      await this.net.replaceNamespacedNetworkPolicy({ name, namespace, body });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.net.createNamespacedNetworkPolicy({ namespace, body: np });
    }
  }

  /** Deletes one of our policies (a missing one is fine). */
  async deleteNetworkPolicy(namespace: string, name: string): Promise<void> {
    try {
      const cur = await this.net.readNamespacedNetworkPolicy({ name, namespace });
      if (!this.isOwned(cur.metadata)) throw new Error(`refusing to delete NetworkPolicy ${namespace}/${name}: it lacks the label ${this.selector}`);
      await this.net.deleteNamespacedNetworkPolicy({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
