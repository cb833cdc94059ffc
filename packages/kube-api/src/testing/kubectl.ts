/**
 * The real kubectl against a test API server, for itests. kubectl v1.32 is on the
 * test machines; where it is missing, the kubectl tests report themselves as skipped.
 */
import { execFile, spawnSync } from 'node:child_process';

export const hasKubectl =
  spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

/** Says on stderr why `what` is skipped when kubectl is missing. */
export function warnIfNoKubectl(what: string): void {
  // eslint-disable-next-line no-console -- a skipped test says why, on stderr
  if (!hasKubectl) console.warn(`${what} skipped: kubectl is not installed`);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The arguments that point kubectl at a server's kubeconfig, with a cache of its own. */
export function kubectlArgs(
  kubeconfig: string,
  cacheDir: string,
  args: readonly string[],
): string[] {
  return ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args];
}

/** Runs kubectl once (30 s at most); never rejects, the exit code is in the result. */
export function runKubectl(
  kubeconfig: string,
  cacheDir: string,
  args: readonly string[],
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      kubectlArgs(kubeconfig, cacheDir, args),
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
