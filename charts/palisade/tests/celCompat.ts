/**
 * Checks that a CRD validation rule (CEL) uses only what a Kubernetes 1.28 API server
 * knows. The chart supports 1.28+, and a rule that calls a newer function (isCIDR,
 * cidr(), ip(), isIP, the format library, quantities, optionals) makes the whole CRD
 * fail to install there. Not a CEL parser: it strips literals and classifies every
 * identifier as a global call, a member call, a field selection or a free name, and
 * accepts each only from an explicit allow-list. An unknown name fails, so a new
 * function is rejected until someone checks when Kubernetes added it.
 */

/** Global functions and macros: CEL standard ones, as the 1.28 CRD environment has them. */
const GLOBAL_CALLS = new Set([
  'has',
  'size',
  'int',
  'uint',
  'double',
  'string',
  'bytes',
  'bool',
  'dyn',
  'type',
  'duration',
  'timestamp',
  'matches',
  // Kubernetes URL library (1.25+).
  'url',
  'isURL',
]);

/** Member functions and macros available in 1.28. */
const MEMBER_CALLS = new Set([
  // CEL standard macros and functions.
  'all',
  'exists',
  'exists_one',
  'map',
  'filter',
  'size',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'getFullYear',
  'getMonth',
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
  // cel-go strings extension, version 0 (the one 1.28 enables).
  'charAt',
  'indexOf',
  'lastIndexOf',
  'lowerAscii',
  'upperAscii',
  'replace',
  'split',
  'substring',
  'trim',
  'join',
  // Kubernetes lists, regex and URL libraries (1.24+).
  'isSorted',
  'sum',
  'min',
  'max',
  'find',
  'findAll',
  'getScheme',
  'getHost',
  'getHostname',
  'getPort',
  'getEscapedPath',
  'getQuery',
]);

/** Names that may stand alone: the rule's variables and literals. */
const FREE_NAMES = new Set(['self', 'oldSelf', 'true', 'false', 'null', 'in']);

const MACROS_BINDING = /\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,/g;

/** Why the rule would not compile on Kubernetes 1.28, or [] when it would. */
export function celProblems(rule: string): string[] {
  const code = rule
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\b0x[0-9a-fA-F]+[uU]?\b|\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?\b/g, '0');
  const bound = new Set([...code.matchAll(MACROS_BINDING)].map((m) => m[1]!));
  const problems: string[] = [];
  for (const m of code.matchAll(/(\.?)\s*([A-Za-z_]\w*)(\s*\()?/g)) {
    const [, dot, name, call] = m as unknown as [string, string, string, string | undefined];
    if (dot && call) {
      if (!MEMBER_CALLS.has(name)) problems.push(`member function ${name}() is not in 1.28`);
    } else if (dot) {
      continue; // a field selection
    } else if (call) {
      if (!GLOBAL_CALLS.has(name)) problems.push(`function ${name}() is not in 1.28`);
    } else if (!FREE_NAMES.has(name) && !bound.has(name)) {
      problems.push(`identifier ${name} is not a variable (a library namespace?)`);
    }
  }
  return problems;
}
