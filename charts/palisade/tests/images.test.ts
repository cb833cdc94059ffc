/**
 * No Docker engine here, so the Dockerfiles are checked statically: multi-stage on
 * node:20-bookworm-slim, the runtime user, an exec-form ENTRYPOINT that resolves (via
 * the bin symlink, the COPY from the build stage and `pnpm deploy`) to the package's
 * declared bin, which exists in the build output (or, before `pnpm build`, maps from
 * src/ to dist/ through the package's tsconfig), and .dockerignore files that keep
 * what the build copies.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Dockerfile → stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && cur === '') continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) cur += `${line.slice(0, -1)} `;
    else {
      cur += line;
      if (cur.trim()) logical.push(cur.trim());
      cur = '';
    }
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`bad line ${l}`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(m[2]!)!;
      stages.push({ from: f[1]!, name: f[2] ?? null, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${op} before FROM`);
      stages[stages.length - 1]!.instructions.push({ op, args: m[2]! });
    }
  }
  return stages;
}

const IMAGES = [
  {
    file: 'controller.Dockerfile',
    user: 'node',
    entry: 'palisade-controller',
    pkg: 'controller',
    extraBins: { palisadectl: 'cli' },
  },
  { file: 'agent.Dockerfile', user: '0', entry: 'palisade-agent', pkg: 'agent', extraBins: {} },
  { file: 'cli.Dockerfile', user: 'node', entry: 'palisadectl', pkg: 'cli', extraBins: {} },
] as const;

function readPackage(pkg: string): { name: string; bin: Record<string, string> } {
  return JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'packages', pkg, 'package.json'), 'utf8'),
  ) as { name: string; bin: Record<string, string> };
}

/** Follows `bin` → symlink → COPY --from=build → pnpm deploy dir → package file. */
function resolveBin(stages: Stage[], bin: string): { pkg: string; file: string } {
  const [build, runtime] = [stages[0]!, stages[stages.length - 1]!];
  const runs = runtime.instructions
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join(' ');
  const link = new RegExp(`ln -s (\\S+) /usr/local/bin/${bin}(?:\\s|$)`).exec(runs);
  if (!link) throw new Error(`no /usr/local/bin/${bin} symlink`);
  const target = link[1]!;
  const copy = runtime.instructions
    .filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build '))
    .map((i) => i.args.split(/\s+/).slice(1))
    .find(([, dst]) => target.startsWith(`${dst!}/`));
  if (!copy) throw new Error(`${target} is not copied from the build stage`);
  const [src, dst] = copy as [string, string];
  const deploys = build.instructions
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join(' ');
  const deploy = new RegExp(
    `pnpm --filter (\\S+) deploy --prod(?: --legacy)? ${src}(?:\\s|$)`,
  ).exec(deploys);
  if (!deploy) throw new Error(`no pnpm deploy into ${src}`);
  const pkg = ['controller', 'agent', 'cli'].find((p) => readPackage(p).name === deploy[1]);
  if (!pkg) throw new Error(`unknown package ${deploy[1]}`);
  return { pkg, file: target.slice(dst.length + 1) };
}

function dockerignore(file: string): string[] {
  return readFileSync(path.join(REPO_ROOT, 'images', `${file}.dockerignore`), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Docker's rule: the last matching pattern wins; `!` re-includes. Enough for our patterns. */
function ignored(patterns: string[], rel: string): boolean {
  let out = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const body = neg ? p.slice(1) : p;
    const re = new RegExp(
      `^${body
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\u0000')
        .replace(/\*/g, '[^/]*')
        // eslint-disable-next-line no-control-regex -- NUL is the placeholder for **/ set above
        .replace(/\u0000/g, '(.*/)?')}(/.*)?$`,
    );
    if (re.test(rel)) out = !neg;
  }
  return out;
}

describe.each(IMAGES)('images/$file', (img) => {
  const text = readFileSync(path.join(REPO_ROOT, 'images', img.file), 'utf8');
  const stages = parseDockerfile(text);
  const runtime = stages[stages.length - 1]!;

  it('is multi-stage on node:20-bookworm-slim, building with pnpm in a named build stage', () => {
    expect(text.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
    expect(stages.map((s) => s.from)).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    expect(stages[0]!.name).toBe('build');
    const buildRuns = stages[0]!.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(buildRuns).toEqual(
      expect.arrayContaining(['pnpm install --frozen-lockfile', 'pnpm build']),
    );
    expect(runtime.instructions.some((i) => i.op === 'RUN' && /pnpm|tsc/.test(i.args))).toBe(false);
  });

  it(`runs as ${img.user === '0' ? 'root (capabilities are given to uid 0 only)' : 'the unprivileged node user'}`, () => {
    const users = runtime.instructions.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users).toEqual([img.user]);
  });

  it('has an exec-form ENTRYPOINT naming the package bin', () => {
    const entries = runtime.instructions.filter((i) => i.op === 'ENTRYPOINT');
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]!.args)).toEqual([img.entry]);
  });

  it.each(Object.entries({ [img.entry]: img.pkg, ...img.extraBins }))(
    'resolves %s to a file of the build output',
    (bin, pkg) => {
      const resolved = resolveBin(stages, bin);
      expect(resolved.pkg).toBe(pkg);
      expect(readPackage(pkg).bin[bin]).toBe(`./${resolved.file}`);
      // The tsconfig maps src/<x>.ts to dist/<x>.js.
      const tsconfig = JSON.parse(
        readFileSync(path.join(REPO_ROOT, 'packages', pkg, 'tsconfig.json'), 'utf8'),
      ) as {
        compilerOptions: { rootDir: string; outDir: string };
      };
      const { rootDir, outDir } = tsconfig.compilerOptions;
      expect(resolved.file.startsWith(`${outDir}/`)).toBe(true);
      const source = resolved.file.replace(`${outDir}/`, `${rootDir}/`).replace(/\.js$/, '.ts');
      const src = readFileSync(path.join(REPO_ROOT, 'packages', pkg, source), 'utf8');
      expect(src.startsWith('#!/usr/bin/env node\n')).toBe(true);
      const built = path.join(REPO_ROOT, 'packages', pkg, resolved.file);
      if (existsSync(path.join(REPO_ROOT, 'packages', pkg, outDir)))
        expect(existsSync(built), `${built} (run pnpm build)`).toBe(true);
    },
  );

  it('copies only files that exist and that its .dockerignore keeps', () => {
    const patterns = dockerignore(img.file);
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      const rel = src.replace(/\/$/, '');
      expect(existsSync(path.join(REPO_ROOT, rel)), rel).toBe(true);
      expect(ignored(patterns, rel), `${rel} is excluded by ${img.file}.dockerignore`).toBe(false);
    }
    for (const heavy of [
      'node_modules',
      'packages/agent/node_modules',
      'packages/agent/dist',
      '.git',
      'e2e/src',
    ])
      expect(ignored(patterns, heavy), heavy).toBe(true);
  });
});

describe('images', () => {
  it('installs iptables, ipset and tcpdump in the agent image only', () => {
    const apt = (file: string) =>
      parseDockerfile(readFileSync(path.join(REPO_ROOT, 'images', file), 'utf8'))
        .at(-1)!
        .instructions.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'))
        .map((i) => i.args);
    expect(apt('agent.Dockerfile').join(' ')).toMatch(
      /apt-get install -y --no-install-recommends iptables ipset tcpdump/,
    );
    expect(apt('controller.Dockerfile')).toEqual([]);
    expect(apt('cli.Dockerfile')).toEqual([]);
  });

  it('ships the uninstall hook waiter where the chart runs it', () => {
    const agent = readFileSync(path.join(REPO_ROOT, 'images/agent.Dockerfile'), 'utf8');
    const job = readFileSync(
      path.join(REPO_ROOT, 'charts/palisade/templates/cleanup/job.yaml'),
      'utf8',
    );
    expect(agent).toContain(
      'COPY images/hooks/waitForDaemonSet.mjs /opt/palisade/hooks/waitForDaemonSet.mjs',
    );
    expect(job).toContain('command: ["node", "/opt/palisade/hooks/waitForDaemonSet.mjs"]');
  });

  it('keeps the three .dockerignore files identical', () => {
    const [a, b, c] = IMAGES.map((i) => dockerignore(i.file));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});
