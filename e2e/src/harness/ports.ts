/** What a pod serves: one entry per (port, protocol), with its container port name. */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ServedPort {
  port: number;
  protocol: Protocol;
  /** The container port name (an IANA service name: at most 15 characters). */
  name: string;
}

export function defaultPortName(port: number, protocol: Protocol): string {
  return `serve-${port}-${protocol.toLowerCase()}`;
}

/** A bare number serves the port on TCP, UDP and SCTP, named serve-<port>-<proto>. */
export function servedPorts(ports: readonly (number | ServedPort)[]): ServedPort[] {
  return ports.flatMap((p) => (typeof p === 'number' ? PROTOCOLS.map((protocol) => ({ port: p, protocol, name: defaultPortName(p, protocol) })) : [p]));
}
