/** Long-running child processes of the harness, with their output kept for diagnosis. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string | null;
  /** Resolves when a stdout/stderr line matches, rejects if the process exits first. */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  tail(): string;
}

export function startProcess(opts: {
  name: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logPath?: string;
}): Managed {
  const child = spawn(opts.cmd, opts.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let recent = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const log: WriteStream | null = opts.logPath ? createWriteStream(opts.logPath, { flags: 'a' }) : null;
  let partial = '';
  const onData = (d: Buffer): void => {
    const text = d.toString();
    log?.write(text);
    recent = (recent + text).slice(-8000);
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: opts.name,
    child,
    logPath: opts.logPath ?? null,
    tail: () => recent,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${opts.name}: no line matching ${re} within ${timeoutMs} ms\n${recent}`)), timeoutMs);
        const w = { re, resolve: (l: string) => (clearTimeout(t), resolve(l)) };
        waiters.push(w);
        void exited.then(() => {
          clearTimeout(t);
          reject(new Error(`${opts.name} exited (code ${child.exitCode})\n${recent}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      log?.end();
    },
  };
}
