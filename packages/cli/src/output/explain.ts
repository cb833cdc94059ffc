/** `explain`: the verdict first, then one line per side. */
import type { Party, SideVerdict, Verdict } from '../explain/types.js';
import { escapeControls } from './escape.js';

function partyText(p: Party): string {
  return p.pod === null ? p.ip : `${p.pod} (${p.ip}${p.node ? ` on ${p.node}` : ''})`;
}

function sideLine(label: string, who: Party, v: SideVerdict): string {
  const name = who.pod ?? who.ip;
  return `  ${label.padEnd(8)}${name}: ${v.reason}`;
}

export function formatVerdict(v: Verdict): string {
  return [
    `${v.allowed ? 'ALLOWED' : 'BLOCKED'}: ${partyText(v.from)} -> ${partyText(v.to)} ${v.protocol}/${v.port}`,
    sideLine('egress', v.from, v.egress),
    sideLine('ingress', v.to, v.ingress),
    '',
  ]
    .map(escapeControls) // reasons quote policy names and error messages from etcd
    .join('\n');
}
