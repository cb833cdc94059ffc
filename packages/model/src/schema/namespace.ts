import { z } from 'zod';
import { API_VERSION, LabelsSchema, NamespaceNameSchema } from './common.js';

export const NamespaceSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Namespace'),
    metadata: z.object({ name: NamespaceNameSchema, uid: z.string().optional() }).strict(),
    spec: z.object({ labels: LabelsSchema.default({}) }).strict(),
  })
  .strict();
export type Namespace = z.infer<typeof NamespaceSchema>;
export type NamespaceInput = z.input<typeof NamespaceSchema>;
