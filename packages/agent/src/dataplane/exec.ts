/**
 * The one way the dataplane runs commands. Injected so that unit tests use a fake and
 * integration tests wrap every command in `ip netns exec <ns>`.
 *
 * stdin comes from an unlinked temporary file rather than a pipe (when one can be
 * written): a pipe is fed, and closed, by our event loop, so a restore spawned just
 * before synchronous work (the apply renders while `ipset restore` runs) would stall
 * until that work ends. A file gives the child all of its input, and its end, at once.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Exec = (cmd: string, args: string[], opts?: { input?: string }) => Promise<ExecResult>;

/** An fd reading `input` from an already unlinked file; null when none can be made. */
function inputFile(input: string): number | null {
  const file = path.join(
    tmpdir(),
    `palisade-stdin-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  try {
    writeFileSync(file, input, { mode: 0o600, flag: 'wx' });
  } catch {
    // A partial file (ENOSPC on a small /tmp) must not stay behind and fill it further.
    removeQuietly(file);
    return null;
  }
  try {
    return openSync(file, 'r');
  } catch {
    return null;
  } finally {
    removeQuietly(file);
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Never created, or already gone: nothing to clean.
  }
}

/** Runs `cmd` without a shell; `opts.input` becomes stdin. Never rejects for a non-zero exit. */
export const realExec: Exec = (cmd, args, opts) =>
  new Promise((resolve) => {
    const input = opts?.input ?? '';
    // No input: /dev/null, so the child meets the end of its stdin at once too.
    const fd = input === '' ? null : inputFile(input);
    const stdin = input === '' ? 'ignore' : (fd ?? 'pipe');
    const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] });
    if (fd !== null) closeSync(fd); // the child holds its own copy
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    if (child.stdin) {
      // A child that dies before reading stdin must not crash us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });

/** Wraps an Exec so that every command runs inside network namespace `ns`. */
export function netnsExec(ns: string, inner: Exec = realExec): Exec {
  return (cmd, args, opts) => inner('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}
