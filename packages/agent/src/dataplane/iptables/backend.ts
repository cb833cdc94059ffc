/**
 * Which iptables binaries to run. `nft` and `legacy` program different kernel
 * subsystems; rules written through the wrong one are invisible to the other tools
 * on the host, so `auto` picks the backend the host already uses (as Calico does):
 * the one whose save output holds more rules, nft on a tie.
 */
import type { IpFamily } from '@palisade/model';
import type { Exec } from '../exec.js';

export type BackendMode = 'nft' | 'legacy' | 'auto';
export type Backend = 'nft' | 'legacy';

export interface IptablesCommands {
  save: string;
  restore: string;
}

export function iptablesCommands(backend: Backend, family: IpFamily): IptablesCommands {
  const base = family === 6 ? 'ip6tables' : 'iptables';
  return { save: `${base}-${backend}-save`, restore: `${base}-${backend}-restore` };
}

export async function detectBackend(exec: Exec, mode: BackendMode): Promise<Backend> {
  if (mode !== 'auto') return mode;
  const count = async (backend: Backend): Promise<number> => {
    const res = await exec(iptablesCommands(backend, 4).save, []);
    return res.code === 0 ? res.stdout.split('\n').filter((l) => l.startsWith('-A ')).length : 0;
  };
  const [legacy, nft] = await Promise.all([count('legacy'), count('nft')]);
  return legacy > nft ? 'legacy' : 'nft';
}
