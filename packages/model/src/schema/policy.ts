import { z } from 'zod';
import {
  API_VERSION,
  CidrSchema,
  NamespaceNameSchema,
  ObjectNameSchema,
  PortNameSchema,
  PortNumberSchema,
  ProtocolSchema,
} from './common.js';

export const PolicyTypeSchema = z.enum(['Ingress', 'Egress']);
export type PolicyType = z.infer<typeof PolicyTypeSchema>;

export const RuleActionSchema = z.enum(['Allow', 'Deny', 'Pass']);
export type RuleAction = z.infer<typeof RuleActionSchema>;

/**
 * One port match. `port` missing means every port of the protocol. A string port is a
 * named port, resolved against the destination pod's container ports. `endPort` makes
 * a numeric port the start of an inclusive range.
 */
export const PortMatchSchema = z
  .object({
    protocol: ProtocolSchema.default('TCP'),
    port: z.union([PortNumberSchema, PortNameSchema]).optional(),
    endPort: PortNumberSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.endPort === undefined) return;
    if (typeof p.port !== 'number')
      ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'endPort needs a numeric port' });
    else if (p.endPort < p.port)
      ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'endPort must be >= port' });
  });
export type PortMatch = z.infer<typeof PortMatchSchema>;

/** A peer: endpoints matched by a selector, or an IP block. */
export const PeerSchema = z.union([
  z.object({ selector: z.string().min(1) }).strict(),
  z.object({ cidr: CidrSchema, except: z.array(CidrSchema).default([]) }).strict(),
]);
export type Peer = z.infer<typeof PeerSchema>;

/**
 * A rule. Empty `ports` means all ports; empty `peers` means all peers, exactly as a
 * missing or empty `ports` / `from` / `to` in a Kubernetes NetworkPolicy rule.
 */
export const RuleSchema = z
  .object({
    action: RuleActionSchema.default('Allow'),
    ports: z.array(PortMatchSchema).default([]),
    peers: z.array(PeerSchema).default([]),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

/** Set when translation failed: agents isolate the selected pods and ignore every rule. */
export const PolicyErrorSchema = z.object({ field: z.string(), message: z.string() }).strict();
export type PolicyError = z.infer<typeof PolicyErrorSchema>;

export const PolicySchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Policy'),
    metadata: z
      .object({
        namespace: NamespaceNameSchema,
        name: ObjectNameSchema,
        uid: z.string().optional(),
      })
      .strict(),
    spec: z
      .object({
        /** Lower orders are evaluated first. Kubernetes policies all share 1000. */
        order: z.number().default(1000),
        /** Canonical selector over endpoints (includes the namespace restriction). */
        selector: z.string().min(1),
        types: z.array(PolicyTypeSchema).min(1),
        ingress: z.array(RuleSchema).default([]),
        egress: z.array(RuleSchema).default([]),
        error: PolicyErrorSchema.optional(),
      })
      .strict(),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
