/** The selector syntax tree and the Kubernetes LabelSelector shape it converts from. */

/** Namespace labels appear to selectors under this prefix (`ns:team == 'a'`). */
export const NAMESPACE_LABEL_PREFIX = 'ns:';
/** A reserved label whose value is the endpoint's namespace name. */
export const NAMESPACE_NAME_LABEL = 'pal:namespace';
/** The selector that matches every endpoint. */
export const ALL_SELECTOR = 'all()';

export type SelectorExpr =
  | { op: 'all' }
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'has' | 'nothas'; key: string }
  | { op: 'and'; terms: SelectorExpr[] }
  | { op: 'or'; terms: SelectorExpr[] };

/** Kubernetes metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?:
    | {
        key: string;
        /** 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; anything else is rejected on conversion. */
        operator: string;
        values?: string[] | null;
      }[]
    | null;
}

/** Characters a label key may use in selector text (Kubernetes keys plus the `ns:`/`pal:` prefixes). */
export const SELECTOR_KEY = /^[A-Za-z0-9._/:-]+$/;

export function isKeyChar(ch: string): boolean {
  return /^[A-Za-z0-9._/:-]$/.test(ch);
}
