/**
 * The one way the dataplane runs commands. Injected so that unit tests use a fake and
 * integration tests wrap every command in `ip netns exec <ns>`.
 */
import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Exec = (cmd: string, args: string[], opts?: { input?: string }) => Promise<ExecResult>;

/** Runs `cmd` without a shell; `opts.input` becomes stdin. Never rejects for a non-zero exit. */
export const realExec: Exec = (cmd, args, opts) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A child that dies before reading stdin must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts?.input ?? '');
  });

/** Wraps an Exec so that every command runs inside network namespace `ns`. */
export function netnsExec(ns: string, inner: Exec = realExec): Exec {
  return (cmd, args, opts) => inner('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}
