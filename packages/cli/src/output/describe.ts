/** `describe policy`: the policy in plain words, what it selects and what each rule admits. */
import type { Endpoint } from '@palisade/model';
import type { PolicyDescription, RuleDescription } from '../describe/describePolicy.js';
import type { Direction } from '../explain/types.js';
import { qualifiedName } from '../view/modelView.js';
import { escapeControls } from './escape.js';
import { formatTable } from './table.js';

const MAX_LISTED = 10;

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function listNames(eps: Endpoint[]): string {
  const names = eps.slice(0, MAX_LISTED).map(qualifiedName);
  const more = eps.length > MAX_LISTED ? `, and ${eps.length - MAX_LISTED} more` : '';
  return `${names.join(', ')}${more}`;
}

export function admitsLine(r: Pick<RuleDescription, 'admits'>, total: number): string {
  const { endpoints, cidrs } = r.admits;
  const anywhere = cidrs.includes('0.0.0.0/0') && cidrs.includes('::/0');
  const eps =
    endpoints.length === 0
      ? 'no endpoints'
      : endpoints.length === total && total > 1
        ? `all ${plural(total, 'endpoint')}`
        : `${plural(endpoints.length, 'endpoint')}: ${listNames(endpoints)}`;
  const ips = anywhere ? ' and any address' : cidrs.length > 0 ? ` and any address in ${cidrs.join(', ')}` : '';
  return `admits ${eps}${ips}`;
}

function ruleSection(d: PolicyDescription, dir: Direction, total: number): string[] {
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  if (!d.policy.spec.types.includes(type)) return [];
  const rules = d.rules.filter((r) => r.direction === dir);
  const title = `${type} rules${d.error ? ' (IGNORED: the policy has an error)' : ''}:`;
  if (rules.length === 0)
    return ['', title, `  (none: all ${dir} ${dir === 'ingress' ? 'to' : 'from'} the selected endpoints is blocked)`];
  return [
    '',
    title,
    ...rules.flatMap((r) => [`  ${r.index}. ${r.words}`, `     ${admitsLine(r, total)}`]),
  ];
}

function header(d: PolicyDescription): string[] {
  const p = d.policy;
  const id = [`Name:        ${p.metadata.name}`, `Namespace:   ${p.metadata.namespace}`, `Key:         ${d.key} (mod revision ${d.modRevision})`];
  if (d.invalid !== null)
    return [
      ...id,
      `INVALID:     ${d.invalid}`,
      `             The agents cannot use the stored value. They isolate every pod of namespace`,
      `             ${p.metadata.namespace} (ingress and egress) and allow nothing through this policy.`,
      `Types:       ${p.spec.types.join(', ')} (enforced in its place)`,
      `Applies to:  ${d.appliesTo}`,
    ];
  return [
    ...id,
    `Order:       ${p.spec.order}`,
    `Types:       ${p.spec.types.join(', ')}`,
    `Selector:    ${p.spec.selector}`,
    ...(d.confinedTo === null
      ? []
      : [`Confined:    the selector does not restrict the namespace; the agents AND in pal:namespace == '${d.confinedTo}'`]),
    `Applies to:  ${d.appliesTo}`,
  ];
}

/** "Selected endpoints (n, on m nodes):" and a NODE/ENDPOINT/IPS table (unescaped lines). */
export function selectedLines(selected: Endpoint[]): string[] {
  const nodes = new Set(selected.map((e) => e.spec.node));
  const lines = ['', `Selected endpoints (${selected.length}, on ${plural(nodes.size, 'node')}):`];
  if (selected.length === 0) return [...lines, '  <none>'];
  return [
    ...lines,
    ...formatTable(
      ['NODE', 'ENDPOINT', 'IPS'],
      [...selected]
        .sort((a, b) => a.spec.node.localeCompare(b.spec.node))
        .map((e) => [e.spec.node, qualifiedName(e), e.spec.ips.join(',')]),
    )
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  ];
}

export function formatPolicyDescription(d: PolicyDescription, totalEndpoints: number): string {
  const lines = header(d);
  if (d.error)
    lines.push(
      '',
      `ERROR: ${d.error.field}: ${d.error.message}`,
      '       The policy could not be translated. Agents isolate the endpoints it selects',
      '       and ignore all of its rules, so it blocks everything it selects.',
    );
  lines.push(...selectedLines(d.selected));
  lines.push(...ruleSection(d, 'ingress', totalEndpoints), ...ruleSection(d, 'egress', totalEndpoints));
  // Names, selectors, label values and errors are stored strings: each line is escaped.
  return `${lines.map(escapeControls).join('\n')}\n`;
}
