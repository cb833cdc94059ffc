import { z } from 'zod';
import {
  API_VERSION,
  IpSchema,
  LabelsSchema,
  NamespaceNameSchema,
  NodeNameSchema,
  ObjectNameSchema,
  PortNameSchema,
  PortNumberSchema,
  ProtocolSchema,
} from './common.js';
import { isReservedLabelKey } from '../selector/matcher.js';

/**
 * A pod's own labels. Keys with the `ns:` or `pal:` prefix are derived by Palisade
 * (namespace labels, the namespace name); a stored endpoint carrying one could pose as
 * another namespace, so it is rejected. Kubernetes label keys cannot contain ':'.
 */
const PodLabelsSchema = LabelsSchema.superRefine((labels, ctx) => {
  for (const key of Object.keys(labels))
    if (isReservedLabelKey(key))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [key],
        message: 'is a reserved label key (the ns: and pal: prefixes are derived by Palisade)',
      });
});

export const NamedPortSchema = z
  .object({ name: PortNameSchema, protocol: ProtocolSchema, port: PortNumberSchema })
  .strict();
export type NamedPort = z.infer<typeof NamedPortSchema>;

/** A pod with an IP, as the agents need it. */
export const EndpointSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Endpoint'),
    metadata: z
      .object({
        namespace: NamespaceNameSchema,
        name: ObjectNameSchema,
        uid: z.string().optional(),
      })
      .strict(),
    spec: z
      .object({
        node: NodeNameSchema,
        /** Pod IPs (status.podIPs), IPv4 and/or IPv6. */
        ips: z.array(IpSchema).min(1),
        /** The pod's own labels (namespace labels live in the Namespace record). */
        labels: PodLabelsSchema.default({}),
        /** Named container ports. */
        ports: z.array(NamedPortSchema).default([]),
      })
      .strict(),
  })
  .strict();
export type Endpoint = z.infer<typeof EndpointSchema>;
export type EndpointInput = z.input<typeof EndpointSchema>;
