/**
 * Minimal edits that turn one rule list into another, as positional iptables
 * commands (`-R`, `-D`, `-I`, `-A`) valid when applied in order inside one
 * iptables-restore transaction. Rules are compared by hash only; a kernel rule
 * without our hash comment (null) never matches and is removed.
 */

export type Edit =
  | { op: 'replace'; pos: number; desired: number }
  | { op: 'delete'; pos: number }
  | { op: 'insert'; pos: number; desired: number }
  | { op: 'append'; desired: number };

/** Above this many DP cells the middle section is rewritten instead of aligned. */
const MAX_LCS_CELLS = 4_000_000;

export function diffRules(current: readonly (string | null)[], desired: readonly string[]): Edit[] {
  let start = 0;
  while (start < current.length && start < desired.length && current[start] === desired[start])
    start++;
  let endC = current.length;
  let endD = desired.length;
  while (endC > start && endD > start && current[endC - 1] === desired[endD - 1]) {
    endC--;
    endD--;
  }
  const script = alignMiddle(current.slice(start, endC), desired.slice(start, endD));
  const edits: Edit[] = [];
  let pos = start + 1; // 1-based position in the chain as edited so far
  let len = current.length;
  let d = start;
  let i = 0;
  while (i < script.length) {
    if (script[i] === 'keep') {
      pos++;
      d++;
      i++;
      continue;
    }
    let dels = 0;
    let ins = 0;
    while (i < script.length && script[i] !== 'keep') {
      if (script[i] === 'del') dels++;
      else ins++;
      i++;
    }
    const both = Math.min(dels, ins);
    for (let k = 0; k < both; k++) edits.push({ op: 'replace', pos: pos + k, desired: d + k });
    for (let k = both; k < dels; k++) {
      edits.push({ op: 'delete', pos: pos + both });
      len--;
    }
    for (let k = both; k < ins; k++) {
      const at = pos + k;
      edits.push(
        at > len ? { op: 'append', desired: d + k } : { op: 'insert', pos: at, desired: d + k },
      );
      len++;
    }
    pos += ins;
    d += ins;
  }
  return edits;
}

type Step = 'keep' | 'del' | 'ins';

/** Longest-common-subsequence alignment of the differing middle section. */
function alignMiddle(cur: readonly (string | null)[], des: readonly string[]): Step[] {
  const n = cur.length;
  const m = des.length;
  if (n === 0 || m === 0 || n * m > MAX_LCS_CELLS) {
    return [...Array<Step>(n).fill('del'), ...Array<Step>(m).fill('ins')];
  }
  // lcs[i][j] = LCS length of cur[i..] and des[j..], flattened.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        cur[i] !== null && cur[i] === des[j]
          ? lcs[(i + 1) * w + j + 1]! + 1
          : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (cur[i] !== null && cur[i] === des[j]) {
      steps.push('keep');
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
      steps.push('del');
      i++;
    } else {
      steps.push('ins');
      j++;
    }
  }
  while (i++ < n) steps.push('del');
  while (j++ < m) steps.push('ins');
  return steps;
}
