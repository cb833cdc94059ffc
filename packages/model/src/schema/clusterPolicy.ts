/**
 * A translated ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), stored at
 * /palisade/v1/clusterpolicy/<name>. Cluster-scoped: its selector is not confined to a
 * namespace, and its rules carry explicit actions (Accept, Deny, Pass).
 *
 * Semantics the agent implements (docs/cluster-policy.md):
 *  - `tier` Admin is evaluated before every NetworkPolicy, Baseline after them.
 *  - Within a tier, policies are evaluated by `priority` (lowest first), ties broken by
 *    name; within a policy, rules in written order. The first matching rule decides:
 *    Accept and Deny are final for the direction, Pass leaves the tier.
 *  - A rule's `peers` and `ports` follow the namespaced model: an empty list means
 *    "all". The controller encodes fail-closed rules explicitly: an Accept rule whose
 *    every peer is unsupported is dropped (it matches nothing), and a Deny or Pass rule
 *    with an unsupported peer or protocol becomes Deny with no peers and no ports.
 *  - `error` set: the CNP could not be translated. Agents treat each of its directions
 *    that has rules as one Deny-all rule for the endpoints `selector` matches (every
 *    endpoint when the selector itself is unreadable).
 */
import { z } from 'zod';
import { API_VERSION, ObjectNameSchema } from './common.js';
import { PeerSchema, PolicyErrorSchema, PortMatchSchema } from './policy.js';

export const TierSchema = z.enum(['Admin', 'Baseline']);
export type Tier = z.infer<typeof TierSchema>;

export const ClusterRuleActionSchema = z.enum(['Accept', 'Deny', 'Pass']);
export type ClusterRuleAction = z.infer<typeof ClusterRuleActionSchema>;

export const ClusterRuleSchema = z
  .object({
    /** The CNP rule's name, or `ingress[i]` / `egress[i]` when it has none (for explain, logs). */
    name: z.string().min(1).max(128),
    action: ClusterRuleActionSchema,
    /** Empty: every peer. */
    peers: z.array(PeerSchema).default([]),
    /** Empty: every port and protocol. */
    ports: z.array(PortMatchSchema).default([]),
  })
  .strict();
export type ClusterRule = z.infer<typeof ClusterRuleSchema>;

export const ClusterPolicySchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('ClusterPolicy'),
    metadata: z.object({ name: ObjectNameSchema, uid: z.string().optional() }).strict(),
    spec: z
      .object({
        tier: TierSchema,
        priority: z.number().int().min(0).max(1000),
        /** Canonical selector over endpoints (pod labels, namespace labels under NAMESPACE_LABEL_PREFIX). */
        selector: z.string().min(1),
        ingress: z.array(ClusterRuleSchema).default([]),
        egress: z.array(ClusterRuleSchema).default([]),
        /** Why parts of the CNP fail closed (unsupported peers such as nodes/domainNames). */
        warnings: z.array(z.string()).default([]),
        error: PolicyErrorSchema.optional(),
      })
      .strict(),
  })
  .strict();
export type ClusterPolicy = z.infer<typeof ClusterPolicySchema>;
export type ClusterPolicyInput = z.input<typeof ClusterPolicySchema>;
