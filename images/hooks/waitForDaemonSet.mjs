#!/usr/bin/env node
/**
 * Helm post-delete hook waiter (charts/palisade/templates/cleanup/job.yaml): polls one
 * DaemonSet through the in-cluster API until every scheduled pod is ready — each cleanup
 * pod becomes ready only after `palisade-agent --cleanup` succeeded on its node — and
 * exits 0; exits 1 after TIMEOUT_SECONDS. Plain Node, no dependencies, so it runs from
 * the agent image. Environment: NAMESPACE, DAEMONSET, TIMEOUT_SECONDS (default 240).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { pathToFileURL } from 'node:url';

// Overridable for a local test against a fake API server.
const SA_DIR = process.env.SERVICEACCOUNT_DIR ?? '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Progress of a DaemonSet rollout as reported in its status.
 * @param {{metadata?: {generation?: number}, status?: {observedGeneration?: number, desiredNumberScheduled?: number, numberReady?: number}}} ds
 * @returns {{done: boolean, ready: number, desired: number}}
 */
export function cleanupProgress(ds) {
  const generation = ds.metadata?.generation ?? 0;
  const observed = ds.status?.observedGeneration ?? 0;
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  const ready = ds.status?.numberReady ?? 0;
  // Until the DaemonSet controller has seen this generation, its counts mean nothing.
  const done = observed >= generation && generation > 0 && ready >= desired;
  return { done, ready, desired };
}

function getJson(url, token, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { headers: { authorization: `Bearer ${token}` }, ca, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200)
            reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
          else resolve(JSON.parse(body));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

async function main() {
  const { NAMESPACE, DAEMONSET, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT } = process.env;
  const timeoutMs = Number(process.env.TIMEOUT_SECONDS ?? '240') * 1000;
  if (!NAMESPACE || !DAEMONSET || !KUBERNETES_SERVICE_HOST) {
    process.stderr.write('NAMESPACE, DAEMONSET and an in-cluster service account are required\n');
    process.exit(2);
  }
  const host = KUBERNETES_SERVICE_HOST.includes(':')
    ? `[${KUBERNETES_SERVICE_HOST}]`
    : KUBERNETES_SERVICE_HOST;
  const url = `https://${host}:${KUBERNETES_SERVICE_PORT ?? '443'}/apis/apps/v1/namespaces/${NAMESPACE}/daemonsets/${DAEMONSET}`;
  const ca = readFileSync(`${SA_DIR}/ca.crt`);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    let line;
    try {
      // The token is re-read: projected tokens rotate.
      const p = cleanupProgress(
        await getJson(url, readFileSync(`${SA_DIR}/token`, 'utf8').trim(), ca),
      );
      if (p.done) {
        process.stdout.write(`cleanup done on ${p.desired} node(s)\n`);
        return;
      }
      line = `cleanup done on ${p.ready} of ${p.desired} node(s)`;
    } catch (err) {
      line = `cannot read daemonset ${NAMESPACE}/${DAEMONSET}: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
    if (Date.now() > deadline) {
      process.stderr.write(
        `timed out after ${timeoutMs / 1000}s: ${line}. See the pods of daemonset ${DAEMONSET} ` +
          `(kubectl -n ${NAMESPACE} get pods -l app.kubernetes.io/component=cleanup -o wide) and docs/install.md, "Uninstall".\n`,
      );
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
