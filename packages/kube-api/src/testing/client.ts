/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers */
/** Small HTTP helpers for tests of the fake API server. */
import http from 'node:http';

export interface ApiResponse {
  status: number;
  body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { 'Content-Type': contentType } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

export interface WatchEvent {
  type: string;
  object: any;
}

/** Opens a watch and collects events until `until` says stop, the stream ends, or the timeout hits. */
export function collectWatch(
  base: string,
  path: string,
  opts: { until?: (events: WatchEvent[]) => boolean; timeoutMs?: number; onOpen?: () => void } = {},
): Promise<{ events: WatchEvent[]; ended: boolean; status: number }> {
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    let buf = '';
    let done = false;
    const req = http.get(`${base}${path}`, (res) => {
      opts.onOpen?.();
      const finish = (ended: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ events, ended, status: res.statusCode ?? 0 });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchEvent);
        }
        if (opts.until?.(events)) finish(false);
      });
      res.on('end', () => finish(true));
      res.on('error', () => finish(true));
    });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      req.destroy();
      resolve({ events, ended: false, status: 200 });
    }, opts.timeoutMs ?? 5000);
    req.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

export function makeNamespace(name: string, labels: Record<string, string> = {}): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function makePod(name: string, namespace: string, ...tweaks: ((p: any) => void)[]): any {
  const pod: any = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
  };
  for (const t of tweaks) t(pod);
  return pod;
}

export function makeNetworkPolicy(
  name: string,
  namespace: string,
  ...tweaks: ((np: any) => void)[]
): any {
  const np: any = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec: { podSelector: {} },
  };
  for (const t of tweaks) t(np);
  return np;
}

export const podsPath = (ns: string): string => `/api/v1/namespaces/${ns}/pods`;
export const netpolPath = (ns: string): string =>
  `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`;

export function makeClusterNetworkPolicy(name: string, ...tweaks: ((cnp: any) => void)[]): any {
  const cnp: any = {
    apiVersion: 'policy.networking.k8s.io/v1alpha2',
    kind: 'ClusterNetworkPolicy',
    metadata: { name },
    spec: {
      tier: 'Admin',
      priority: 10,
      subject: { namespaces: {} },
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    },
  };
  for (const t of tweaks) t(cnp);
  return cnp;
}

export const cnpPath = '/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies';
