/**
 * Size flags of the benchmarks (`pnpm bench agent --endpoints 100000 --policies 10000
 * --namespaces 5000`): parsed strictly, so a typo or a bad number stops the run with a
 * usage message instead of silently measuring the default size.
 */
import { PalisadeError } from '@palisade/model';

export interface BenchSize {
  endpoints: number;
  policies: number;
  namespaces: number;
}

const SIZE_FLAGS = ['endpoints', 'policies', 'namespaces'] as const;

export interface SizeFlagOptions {
  /** What the bench measures when a flag is absent. */
  defaults: BenchSize;
  /** Smallest value the bench can run with, per flag (default 1). */
  min?: Partial<BenchSize>;
  /** Names (without `--`) of other value flags the same bench parses itself; skipped here. */
  otherFlags?: readonly string[];
}

export function sizeUsage(opts: SizeFlagOptions): string {
  const flag = (f: keyof BenchSize): string =>
    `--${f} N (integer >= ${opts.min?.[f] ?? 1}, default ${opts.defaults[f]})`;
  return `size flags: ${SIZE_FLAGS.map(flag).join(', ')}`;
}

function fail(message: string, opts: SizeFlagOptions): never {
  throw new PalisadeError('INVALID_INPUT', `${message}; ${sizeUsage(opts)}`);
}

function parseCount(flag: keyof BenchSize, raw: string | undefined, opts: SizeFlagOptions): number {
  if (raw === undefined || raw.startsWith('--')) fail(`--${flag} needs a value`, opts);
  // Plain decimal digits with optional `_` or `,` grouping: 100000, 100_000, 100,000.
  const digits = raw.replace(/[_,]/g, '');
  const n = /^\d+$/.test(digits) ? Number(digits) : NaN;
  const min = opts.min?.[flag] ?? 1;
  if (!Number.isSafeInteger(n) || n < min)
    fail(`--${flag} must be an integer >= ${min}, got '${raw}'`, opts);
  return n;
}

/**
 * `--flag N` or `--flag=N`, each at most once. Anything else that is not one of
 * `otherFlags` (with its value) is an error.
 */
export function parseSizeFlags(argv: readonly string[], opts: SizeFlagOptions): BenchSize {
  const size: BenchSize = { ...opts.defaults };
  const seen = new Set<string>();
  const other = new Set(opts.otherFlags ?? []);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) fail(`unexpected argument '${arg}'`, opts);
    const name = m[1] as string;
    const inline = m[2];
    if (other.has(name)) {
      if (inline === undefined) i++;
      continue;
    }
    const flag = SIZE_FLAGS.find((f) => f === name);
    if (flag === undefined) fail(`unknown flag --${name}`, opts);
    if (seen.has(flag)) fail(`--${flag} given twice`, opts);
    seen.add(flag);
    size[flag] = parseCount(flag, inline ?? argv[++i], opts);
  }
  return size;
}
