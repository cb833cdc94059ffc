import { z } from 'zod';
import { API_VERSION, NodeNameSchema } from './common.js';

/** How many IP conflicts an agent status lists (the metric counts all of them). */
export const MAX_REPORTED_IP_CONFLICTS = 50;

export const IpConflictSchema = z
  .object({
    ip: z.string().min(1),
    /** `namespace/name` of every endpoint that claims the IP. */
    endpoints: z.array(z.string()).min(2),
    local: z.boolean(),
  })
  .strict();
export type IpConflictStatus = z.infer<typeof IpConflictSchema>;

/** Written by each agent under a lease: disappears when the agent dies. */
export const AgentStatusSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('AgentStatus'),
    metadata: z.object({ name: NodeNameSchema }).strict(),
    status: z
      .object({
        version: z.string(),
        startedAt: z.string().datetime(),
        inSync: z.boolean(),
        /** The etcd revision whose state is fully programmed (decimal string: revisions are int64). */
        programmedRevision: z.string().regex(/^\d+$/),
        counts: z
          .object({
            endpoints: z.number().int().nonnegative(),
            localEndpoints: z.number().int().nonnegative(),
            policies: z.number().int().nonnegative(),
            chains: z.number().int().nonnegative(),
            ipsets: z.number().int().nonnegative(),
          })
          .strict(),
        lastApply: z
          .object({ time: z.string().datetime(), durationMs: z.number().nonnegative() })
          .strict()
          .nullable(),
        lastError: z
          .object({ time: z.string().datetime(), message: z.string() })
          .strict()
          .nullable(),
        /** Invalid values in etcd the agent saw and contained (key → message). */
        invalidKeys: z.record(z.string(), z.string()).default({}),
        /**
         * IPs that several endpoints claim (at most MAX_REPORTED_IP_CONFLICTS, sorted by
         * IP). `local`: two of them are on this node, where the union of their isolation
         * is enforced. Absent in values written by older agents.
         */
        ipConflicts: z.array(IpConflictSchema).max(MAX_REPORTED_IP_CONFLICTS).default([]),
      })
      .strict(),
  })
  .strict();
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

/** The value the elected controller holds under /palisade/v1/controller/leader. */
export const LeaderSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Leader'),
    holder: z.string().min(1),
    since: z.string().datetime(),
  })
  .strict();
export type Leader = z.infer<typeof LeaderSchema>;

/** The value under /palisade/v1/controller/last-delete. */
export const LastDeleteSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('LastDelete'),
    /** The etcd revision of the controller's newest delete (decimal string). */
    revision: z.string().regex(/^\d+$/),
  })
  .strict();
export type LastDelete = z.infer<typeof LastDeleteSchema>;
