import { z } from 'zod';

export const API_VERSION = 'palisade.io/v1' as const;

/** RFC 1123 label: Kubernetes namespace names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain: pod, policy and node names. */
export const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const NamespaceNameSchema = z.string().regex(DNS_LABEL, 'must be an RFC 1123 label');
export const ObjectNameSchema = z.string().regex(DNS_SUBDOMAIN, 'must be an RFC 1123 subdomain');
export const NodeNameSchema = ObjectNameSchema;

export const LabelsSchema = z.record(z.string(), z.string());
export type Labels = z.infer<typeof LabelsSchema>;

export const ProtocolSchema = z.enum(['TCP', 'UDP', 'SCTP']);
export type Protocol = z.infer<typeof ProtocolSchema>;

export const PortNumberSchema = z.number().int().min(1).max(65535);
/** IANA_SVC_NAME as Kubernetes validates it: 1-15 chars, lowercase alnum and '-', at least one letter. */
export const PortNameSchema = z
  .string()
  .regex(/^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be an IANA service name')
  .refine((s) => !s.includes('--'), 'must not contain "--"');

/** An IP address, v4 or v6, in canonical text form. */
export const IpSchema = z.string().ip();
/** A CIDR with host bits cleared (the controller masks them). */
export const CidrSchema = z.string().cidr();
