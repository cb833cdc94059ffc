import { API_VERSION, NamespaceSchema, PalisadeError, type Namespace } from '@palisade/model';
import { stringLabels } from './pod.js';
import type { KNamespace } from './types.js';

/** Namespace → Namespace record (its labels feed namespaceSelectors). Pure. */
export function translateNamespace(ns: KNamespace): Namespace {
  const metadata: Namespace['metadata'] = { name: ns.metadata?.name ?? '' };
  if (ns.metadata?.uid) metadata.uid = ns.metadata.uid;
  const parsed = NamespaceSchema.safeParse({
    apiVersion: API_VERSION,
    kind: 'Namespace',
    metadata,
    spec: { labels: stringLabels(ns.metadata?.labels) },
  });
  if (parsed.success) return parsed.data;
  throw new PalisadeError('INVALID_INPUT', 'namespace cannot be stored', {
    cause: parsed.error,
    fields: { namespace: metadata.name, field: parsed.error.issues[0]?.path.join('.') },
  });
}
