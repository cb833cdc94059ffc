/**
 * Pure helpers of the validation filter: decoding stored values the way the agent
 * consumes them, and the stand-in values it uses to contain what it cannot read. The
 * policy containment itself (`isolatingPolicy`, `policySelectorError`) lives in
 * @palisade/model, shared with palisadectl.
 */
import {
  API_VERSION,
  policySelectorError,
  decodeStoredValue,
  IpSchema,
  readsNamespaceLabels,
  type ClusterPolicy,
  type Endpoint,
  type Namespace,
  type Policy,
} from '@palisade/model';

export type Decoded =
  | {
      ok: true;
      value: Policy | ClusterPolicy | Endpoint | Namespace;
      ignored: readonly string[];
    }
  | { ok: false; error: string };

/** Parses and validates one stored value (schema, key/metadata agreement, selector syntax). */
export function decode(key: string, raw: string): Decoded {
  const res = decodeStoredValue(key, raw);
  if (!res.ok) return { ok: false, error: res.error };
  const value = res.value;
  if (value.kind === 'Policy' || value.kind === 'ClusterPolicy') {
    const bad = policySelectorError(value);
    if (bad) return { ok: false, error: bad };
  }
  if (
    value.kind !== 'Policy' &&
    value.kind !== 'ClusterPolicy' &&
    value.kind !== 'Endpoint' &&
    value.kind !== 'Namespace'
  )
    return { ok: false, error: `kind: ${value.kind} is not consumed here` };
  return { ok: true, value, ignored: res.ignored };
}

/** Whether the policy's own selector reads namespace labels (`ns:` keys). */
export function subjectReadsNamespaceLabels(policy: Policy): boolean {
  return readsNamespaceLabels(policy.spec.selector);
}

/** The label that marks a quarantined stand-in endpoint (never a stored label: `pal:` is reserved). */
export const QUARANTINE_LABEL = 'pal:quarantine';

/** The name of the stand-in policy that isolates a quarantined endpoint (':' is not valid in Kubernetes names). */
export function quarantinePolicyName(endpointName: string): string {
  return `pal:quarantine:${endpointName}`;
}

/**
 * The IPs an unreadable endpoint value still names (`spec.ips`, each a valid address),
 * read as loosely as possible: they are only ever used to deny.
 */
export function salvageIps(raw: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return [];
  }
  const ips = (json as { spec?: { ips?: unknown } } | null)?.spec?.ips;
  if (!Array.isArray(ips)) return [];
  const valid = ips.filter((ip): ip is string => IpSchema.safeParse(ip).success);
  return [...new Set(valid)];
}

/** An endpoint that only a quarantine policy selects: isolated, allowed nothing. */
export function quarantinedEndpoint(
  ref: { namespace: string; name: string },
  node: string,
  ips: string[],
): Endpoint {
  return {
    apiVersion: API_VERSION,
    kind: 'Endpoint',
    metadata: { namespace: ref.namespace, name: ref.name },
    spec: { node, ips, labels: { [QUARANTINE_LABEL]: ref.name }, ports: [] },
  };
}

export function emptyNamespace(name: string): Namespace {
  return { apiVersion: API_VERSION, kind: 'Namespace', metadata: { name }, spec: { labels: {} } };
}
