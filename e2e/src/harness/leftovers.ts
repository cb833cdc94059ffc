/**
 * Host state of a harness run that must not outlive it: processes marked with the
 * run's owner (see owner.ts) and its network namespaces (with the veths inside
 * them). `removeHostLeftovers` brings the host back to "nothing of this owner",
 * whether the earlier run stopped cleanly, failed or was killed with SIGKILL (its
 * children then live on, reparented to init, still carrying the marker).
 * Processes go first, so nothing recreates state while namespaces are deleted.
 */
import { readFile, readdir } from 'node:fs/promises';
import { deleteNetns, listNetns } from './netns.js';
import { OWNER_ENV, ownerOf, ownsNetns } from './owner.js';

/** This process and its ancestors: never ours to kill, whatever their environment says. */
async function selfAndAncestors(): Promise<Set<number>> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid); ) {
    out.add(pid);
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => null);
    if (stat === null) break;
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return out;
}

/** Pids of live processes whose initial environment holds PALISADE_E2E_OWNER=<owner>. */
export async function ownedProcesses(prefix: string): Promise<number[]> {
  const marker = `${OWNER_ENV}=${ownerOf(prefix)}`;
  const spare = await selfAndAncestors();
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (spare.has(pid)) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (!env.split('\0').includes(marker)) continue;
    if (await isZombie(pid)) continue;
    pids.push(pid);
  }
  return pids;
}

async function isZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => null);
  if (stat === null) return true;
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** SIGKILLs every owned process and waits until none is left; returns how many there were. */
export async function killOwnedProcesses(prefix: string, timeoutMs = 10_000): Promise<number> {
  const first = await ownedProcesses(prefix);
  const until = Date.now() + timeoutMs;
  for (let pids = first; pids.length > 0; pids = await ownedProcesses(prefix)) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (Date.now() > until) throw new Error(`processes of ${ownerOf(prefix)} survive SIGKILL: ${pids.join(' ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return first.length;
}

export async function ownedNetns(prefix: string): Promise<string[]> {
  return (await listNetns()).filter((n) => ownsNetns(prefix, n));
}

/** Deletes this owner's network namespaces (and so the veths in them). */
export async function deleteOwnedNetns(prefix: string): Promise<number> {
  const names = await ownedNetns(prefix);
  await Promise.all(names.map((n) => deleteNetns(n)));
  const left = await ownedNetns(prefix);
  if (left.length > 0) throw new Error(`network namespaces of ${ownerOf(prefix)} could not be deleted: ${left.join(' ')}`);
  return names.length;
}

export async function removeHostLeftovers(prefix: string): Promise<{ processes: number; netns: number }> {
  const processes = await killOwnedProcesses(prefix);
  const netns = await deleteOwnedNetns(prefix);
  return { processes, netns };
}
