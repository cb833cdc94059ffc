/**
 * realExec's stdin file when the temporary directory is full (the chart's /tmp is a
 * small emptyDir): the command still gets all of its input (through a pipe), and no
 * partial file stays behind to fill the directory further. A 16 KiB tmpfs, mounted
 * for this test on a fresh directory and unmounted after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realExec } from './exec.js';

describe('realExec with a full temporary directory', () => {
  let dir: string;
  const saved = process.env.TMPDIR;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pal-exec-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir]);
    process.env.TMPDIR = dir;
  });

  afterAll(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('falls back to a pipe and leaves no partial file', async () => {
    expect(os.tmpdir()).toBe(dir);
    const input = 'x'.repeat(256 * 1024) + '\n';
    const res = await realExec('wc', ['-c']);
    expect(res.code).toBe(0);
    const big = await realExec('wc', ['-c'], { input });
    expect(big.code).toBe(0);
    expect(big.stdout.trim()).toBe(String(input.length));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('small input still goes through an unlinked file', async () => {
    const res = await realExec('cat', [], { input: 'hello\n' });
    expect(res.stdout).toBe('hello\n');
    expect(readdirSync(dir)).toEqual([]);
  });
});
