/** `${ip:x/b}`, `${cidr:x/b}`, `${cidr:x/b:24}` inside any string of a manifest. */

const PATTERN = /\$\{(ip|cidr):([a-z0-9-]+\/[a-z0-9-]+)(?::(\d+))?\}/g;

function maskV4(ip: string, len: number): string {
  const n = ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  const m = (n & mask) >>> 0;
  return `${[m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join('.')}/${len}`;
}

function expandV6(ip: string): number[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = ip.includes('::') ? 8 - h.length - t.length : 0;
  return [...h, ...Array<string>(zeros).fill('0'), ...t].map((x) => parseInt(x, 16));
}

function maskV6(ip: string, len: number): string {
  const groups = expandV6(ip).map((g, i) => {
    const bits = Math.max(0, Math.min(16, len - i * 16));
    return bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff);
  });
  const text = groups.map((g) => g.toString(16)).join(':');
  return `${new URL(`http://[${text}]/`).hostname.slice(1, -1)}/${len}`;
}

export function networkOf(ip: string, len?: number): string {
  const v6 = ip.includes(':');
  const l = len ?? (v6 ? 128 : 32);
  if (l > (v6 ? 128 : 32)) throw new Error(`prefix length ${l} too long for ${ip}`);
  return v6 ? maskV6(ip, l) : maskV4(ip, l);
}

export function substitute<T>(value: T, ipOf: (pod: string) => string): T {
  if (typeof value === 'string') {
    return value.replace(PATTERN, (_m, kind: string, pod: string, len?: string) => {
      const ip = ipOf(pod);
      return kind === 'ip' ? ip : networkOf(ip, len === undefined ? undefined : Number(len));
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => substitute(v, ipOf)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ipOf)])) as T;
  return value;
}

/** The pods that placeholders anywhere inside `value` refer to. */
export function placeholderPods(value: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(PATTERN)) out.add(m[2]!);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return [...out];
}
