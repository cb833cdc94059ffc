/** How the harness launches Palisade's own processes: from sources (tsx) or from dist. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export type Component = 'controller' | 'agent' | 'cli';

const ENTRY: Record<Component, { src: string; dist: string }> = {
  controller: { src: 'packages/controller/src/main.ts', dist: 'packages/controller/dist/main.js' },
  agent: { src: 'packages/agent/src/main.ts', dist: 'packages/agent/dist/main.js' },
  cli: { src: 'packages/cli/src/bin.ts', dist: 'packages/cli/dist/bin.js' },
};

/** Command and arguments that run a component. PALISADE_E2E_DIST=1 runs the built output. */
export function componentCommand(c: Component, args: string[]): { cmd: string; args: string[] } {
  const entry = ENTRY[c];
  const dist = path.join(REPO_ROOT, entry.dist);
  if (process.env.PALISADE_E2E_DIST === '1' && existsSync(dist)) return { cmd: process.execPath, args: [dist, ...args] };
  const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
  return { cmd: tsx, args: ['--conditions=palisade-source', path.join(REPO_ROOT, entry.src), ...args] };
}
