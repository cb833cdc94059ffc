/**
 * The minimal shapes of the Kubernetes objects the translators read. They match the
 * JSON of the Kubernetes API (and the typed objects of @kubernetes/client-node), but
 * every field is optional and loosely typed: objects injected without validation must
 * still be handled (and rejected field by field), never crash the controller.
 */
import type { LabelSelector } from '@palisade/model';

export interface KObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string> | null;
  resourceVersion?: string;
}

export type KIntOrString = number | string;

export interface KNetworkPolicyPort {
  protocol?: string | null;
  port?: KIntOrString | null;
  endPort?: number | null;
}

export interface KIPBlock {
  cidr?: string | null;
  except?: string[] | null;
}

export interface KNetworkPolicyPeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: KIPBlock | null;
}

export interface KIngressRule {
  ports?: KNetworkPolicyPort[] | null;
  from?: KNetworkPolicyPeer[] | null;
}

export interface KEgressRule {
  ports?: KNetworkPolicyPort[] | null;
  to?: KNetworkPolicyPeer[] | null;
}

export interface KNetworkPolicy {
  apiVersion?: string;
  kind?: string;
  metadata?: KObjectMeta;
  spec?: {
    podSelector?: LabelSelector | null;
    policyTypes?: string[] | null;
    ingress?: KIngressRule[] | null;
    egress?: KEgressRule[] | null;
  } | null;
}

export interface KContainerPort {
  name?: string | null;
  containerPort?: number | null;
  protocol?: string | null;
}

export interface KContainer {
  name?: string;
  image?: string;
  ports?: KContainerPort[] | null;
  restartPolicy?: string | null;
}

export interface KPod {
  apiVersion?: string;
  kind?: string;
  metadata?: KObjectMeta;
  spec?: {
    nodeName?: string | null;
    hostNetwork?: boolean | null;
    containers?: KContainer[] | null;
    initContainers?: KContainer[] | null;
  } | null;
  status?: {
    phase?: string | null;
    podIP?: string | null;
    podIPs?: { ip?: string | null }[] | null;
  } | null;
}

export interface KNamespace {
  apiVersion?: string;
  kind?: string;
  metadata?: KObjectMeta;
}

/**
 * ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2). Rules, peers and protocols
 * stay `unknown`: their shape is checked field by field, because a peer or protocol
 * this version does not know must fail closed rather than be misread.
 */
export interface KClusterNetworkPolicy {
  apiVersion?: string;
  kind?: string;
  metadata?: KObjectMeta & { generation?: number };
  spec?: {
    tier?: unknown;
    priority?: unknown;
    subject?: unknown;
    ingress?: unknown;
    egress?: unknown;
  } | null;
  status?: { conditions?: KCondition[] | null } | null;
}

/** metav1.Condition. */
export interface KCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}
