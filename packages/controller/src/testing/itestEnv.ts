/** A test etcd, a test Kubernetes API server and controller processes, torn down together. */
import { EtcdClient } from '@palisade/datastore';
import { startEtcd, type TestEtcd } from '@palisade/datastore/testing';
import { startKubeApi, type KubeApi } from '@palisade/kube-api';
import { ControllerProcess } from './controllerProcess.js';
import { KubeRest } from './kubeRest.js';

export interface ItestEnv {
  etcd: TestEtcd;
  kube: KubeApi;
  client: EtcdClient;
  rest: KubeRest;
  startController(id: string, opts?: { leaseTtl?: string; resyncInterval?: string }): ControllerProcess;
  /** Key → mod revision of everything under a prefix. */
  revisions(prefix?: string): Promise<Record<string, string>>;
  teardown(): Promise<void>;
}

export async function startItestEnv(): Promise<ItestEnv> {
  const [etcd, kube] = await Promise.all([startEtcd(), startKubeApi()]);
  const client = EtcdClient.connect({ endpoints: etcd.endpoints });
  const procs: ControllerProcess[] = [];
  return {
    etcd,
    kube,
    client,
    rest: new KubeRest(kube.url),
    startController(id, opts = {}) {
      const p = ControllerProcess.start({ kubeconfig: kube.kubeconfigPath, etcdEndpoints: etcd.endpoints, id, ...opts });
      procs.push(p);
      return p;
    },
    async revisions(prefix = '/palisade/v1/') {
      const { items } = await client.listRaw(prefix);
      return Object.fromEntries(items.filter((i) => !i.key.includes('/controller/')).map((i) => [i.key, i.modRevision]));
    },
    async teardown() {
      for (const p of procs) p.signal('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await client.close();
      await kube.stop();
      await etcd.destroy();
    },
  };
}
