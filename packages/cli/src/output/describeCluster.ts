/** `describe clusterpolicy`: tier, priority, subject, what it selects and each rule. */
import type { ClusterPolicyDescription, ClusterRuleDescription } from '../describe/describeClusterPolicy.js';
import type { Direction } from '../explain/types.js';
import { admitsLine, selectedLines } from './describe.js';
import { escapeControls } from './escape.js';

const ordinal = (n: number): string => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
};

function header(d: ClusterPolicyDescription): string[] {
  const { cp } = d;
  const id = [`Name:        ${cp.name}`, `Key:         ${d.key} (mod revision ${d.modRevision})`];
  const place = `${ordinal(d.position.index)} of ${d.position.of} ${cp.tier} cluster ${d.position.of === 1 ? 'policy' : 'policies'}; lower first, ties by name`;
  const tierWords = cp.tier === 'Admin' ? 'evaluated before NetworkPolicies' : 'evaluated after NetworkPolicies';
  if (cp.invalid !== null)
    return [
      ...id,
      `INVALID:     ${cp.invalid.error}`,
      `             The agents cannot use the stored value. In its place they enforce an Admin`,
      `             cluster policy at priority 0 that denies all ingress and egress of every pod.`,
      `Tier:        ${cp.tier} (enforced in its place; ${tierWords})`,
      `Priority:    ${cp.priority} (enforced in its place; ${place})`,
      `Applies to:  ${d.appliesTo}`,
    ];
  const warnings = cp.source.spec.warnings;
  return [
    ...id,
    `Tier:        ${cp.tier} (${tierWords})`,
    `Priority:    ${cp.priority} (${place})`,
    `Selector:    ${cp.selector}`,
    `Applies to:  ${d.appliesTo}`,
    ...warnings.map((w, i) => `${i === 0 ? 'Warnings:    ' : '             '}${w}`),
  ];
}

function ruleSection(d: ClusterPolicyDescription, dir: Direction, total: number): string[] {
  const title = dir === 'ingress' ? 'Ingress rules' : 'Egress rules';
  const rules: ClusterRuleDescription[] = d.rules.filter((r) => r.direction === dir);
  if (rules.length === 0)
    return ['', `${title}:`, `  (none: ${dir} ${dir === 'ingress' ? 'to' : 'from'} the selected endpoints is not affected)`];
  const how =
    d.cp.error !== null
      ? `NOT ENFORCED: the cluster policy has an error; the agents deny all ${dir} of the selected endpoints instead`
      : `first match decides: Accept and Deny are final, Pass leaves the ${d.cp.tier} tier`;
  return [
    '',
    `${title} (${how}):`,
    ...rules.flatMap((r) => [
      `  ${r.index}. ${r.rule.name}: ${r.words}`,
      `     ${admitsLine(r, total).replace(/^admits/, 'matches')}`,
    ]),
  ];
}

export function formatClusterPolicyDescription(d: ClusterPolicyDescription, totalEndpoints: number): string {
  const lines = header(d);
  if (d.cp.error !== null)
    lines.push(
      '',
      `ERROR: ${d.cp.error.field}: ${d.cp.error.message}`,
      '       The cluster policy could not be translated. For the endpoints it selects, the',
      '       agents replace the rules of each direction that has rules with one Deny-all rule.',
    );
  lines.push(...selectedLines(d.selected));
  lines.push(...ruleSection(d, 'ingress', totalEndpoints), ...ruleSection(d, 'egress', totalEndpoints));
  // Names, selectors, label values, warnings and errors are stored strings: each line is escaped.
  return `${lines.map(escapeControls).join('\n')}\n`;
}
