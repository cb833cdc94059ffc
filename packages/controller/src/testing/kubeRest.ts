/** A minimal REST client for integration tests against a Kubernetes API server. */
import type { KClusterNetworkPolicy, KNamespace, KNetworkPolicy, KPod } from '../translate/types.js';

export class KubeRest {
  constructor(private readonly base: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }

  private static paths = {
    namespaces: (_ns?: string) => '/api/v1/namespaces',
    pods: (ns?: string) => `/api/v1/namespaces/${ns}/pods`,
    networkpolicies: (ns?: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
    clusternetworkpolicies: '/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies',
  };

  async createNamespace(ns: KNamespace): Promise<void> {
    await this.call('POST', KubeRest.paths.namespaces(), ns);
  }
  async updateNamespace(ns: KNamespace): Promise<void> {
    await this.call('PUT', `${KubeRest.paths.namespaces()}/${ns.metadata?.name}`, ns);
  }
  async deleteNamespace(name: string): Promise<void> {
    await this.call('DELETE', `${KubeRest.paths.namespaces()}/${name}`);
  }

  /** Creates the pod, then sets its status (the server resets status on create). */
  async createPod(pod: KPod): Promise<void> {
    const ns = pod.metadata?.namespace;
    const created = (await this.call('POST', KubeRest.paths.pods(ns), { ...pod, status: undefined })) as KPod;
    if (pod.status) await this.setPodStatus({ ...created, status: pod.status });
  }
  async setPodStatus(pod: KPod): Promise<void> {
    const { namespace, name } = pod.metadata ?? {};
    const current = (await this.call('GET', `${KubeRest.paths.pods(namespace)}/${name}`)) as KPod;
    await this.call('PUT', `${KubeRest.paths.pods(namespace)}/${name}/status`, { ...current, status: pod.status });
  }
  async updatePodLabels(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    const current = (await this.call('GET', `${KubeRest.paths.pods(namespace)}/${name}`)) as KPod;
    await this.call('PUT', `${KubeRest.paths.pods(namespace)}/${name}`, { ...current, metadata: { ...current.metadata, labels } });
  }
  async deletePod(namespace: string, name: string): Promise<void> {
    await this.call('DELETE', `${KubeRest.paths.pods(namespace)}/${name}?gracePeriodSeconds=0`);
  }

  async createPolicy(np: KNetworkPolicy): Promise<void> {
    await this.call('POST', KubeRest.paths.networkpolicies(np.metadata?.namespace), np);
  }
  async updatePolicy(np: KNetworkPolicy): Promise<void> {
    const { namespace, name } = np.metadata ?? {};
    const current = (await this.call('GET', `${KubeRest.paths.networkpolicies(namespace)}/${name}`)) as KNetworkPolicy;
    await this.call('PUT', `${KubeRest.paths.networkpolicies(namespace)}/${name}`, {
      ...np,
      metadata: { ...np.metadata, resourceVersion: current.metadata?.resourceVersion },
    });
  }
  async deletePolicy(namespace: string, name: string): Promise<void> {
    await this.call('DELETE', `${KubeRest.paths.networkpolicies(namespace)}/${name}`);
  }

  async createClusterPolicy(cnp: KClusterNetworkPolicy): Promise<void> {
    await this.call('POST', KubeRest.paths.clusternetworkpolicies, cnp);
  }
  async getClusterPolicy(name: string): Promise<KClusterNetworkPolicy> {
    return (await this.call('GET', `${KubeRest.paths.clusternetworkpolicies}/${name}`)) as KClusterNetworkPolicy;
  }
  /** Replaces the spec (keeps the current status and resourceVersion). */
  async updateClusterPolicy(cnp: KClusterNetworkPolicy): Promise<void> {
    const name = cnp.metadata?.name ?? '';
    const current = await this.getClusterPolicy(name);
    await this.call('PUT', `${KubeRest.paths.clusternetworkpolicies}/${name}`, {
      ...current,
      spec: cnp.spec,
    });
  }
  async deleteClusterPolicy(name: string): Promise<void> {
    await this.call('DELETE', `${KubeRest.paths.clusternetworkpolicies}/${name}`);
  }
}
