#!/usr/bin/env node
// `pnpm bench <name> [--flag value ...]` runs packages/<name>/bench/*.bench.ts or
// e2e/bench/<name>.bench.ts; everything from the first `--` argument on goes to the bench.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const names = firstFlag === -1 ? args : args.slice(0, firstFlag);
const passThrough = firstFlag === -1 ? [] : args.slice(firstFlag);
if (names.length === 0) {
  console.error('usage: pnpm bench <controller|agent|e2e|fanout> [...] [--flag value ...]');
  process.exit(2);
}
let failed = false;
for (const name of names) {
  // packages/<name>/bench/: every bench file; e2e/bench/: only <name>.bench.ts (so that
  // `pnpm bench e2e` runs e2e.bench.ts and not fanout.bench.ts beside it).
  const pkgDir = path.join(root, 'packages', name, 'bench');
  const e2eDir = path.join(root, 'e2e', 'bench');
  const files = [
    ...(existsSync(pkgDir) ? readdirSync(pkgDir).filter((f) => f.endsWith('.bench.ts')).map((f) => path.join(pkgDir, f)) : []),
    ...(existsSync(path.join(e2eDir, `${name}.bench.ts`)) ? [path.join(e2eDir, `${name}.bench.ts`)] : []),
  ];
  if (files.length === 0) {
    console.error(`bench: no benchmark named ${name}`);
    failed = true;
    continue;
  }
  for (const f of files) {
    console.error(`bench: ${path.relative(root, f)}`);
    const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['--conditions=palisade-source', f, ...passThrough], { stdio: 'inherit' });
    if (r.status !== 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
