/**
 * Network namespaces: create, and delete together with whatever still runs inside.
 * Which of them belong to a run is decided in owner.ts (see leftovers.ts).
 */
import { readdir } from 'node:fs/promises';
import { run } from './sh.js';

export async function listNetns(): Promise<string[]> {
  try {
    return await readdir('/run/netns');
  } catch {
    return [];
  }
}

export async function createNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNetns(name: string): Promise<void> {
  // Killing processes left inside first, so the namespace really goes away.
  const pids = await run('ip', ['netns', 'pids', name], { allowFail: true });
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await run('ip', ['netns', 'del', name], { allowFail: true });
}
