import { describe, expect, it } from 'vitest';
import {
  deleteArgs,
  forwardFlow,
  parseConntrackLine,
  parseConntrackList,
} from './conntrackEntries.js';

const TCP =
  'tcp      6 431999 ESTABLISHED src=10.0.0.2 dst=10.0.0.3 sport=4242 dport=80 src=10.0.0.3 dst=10.0.0.2 sport=80 dport=4242 [ASSURED] mark=0 use=1';
const DNAT =
  'tcp      6 86399 ESTABLISHED src=10.0.0.2 dst=10.96.0.10 sport=5000 dport=443 src=10.0.1.7 dst=10.0.0.2 sport=8443 dport=5000 [ASSURED] mark=0 use=1';
const UDP6 =
  'udp      17 27 src=fd00::2 dst=fd00:0:0::3 sport=53000 dport=53 [UNREPLIED] src=fd00::3 dst=fd00::2 sport=53 dport=53000 mark=0 use=1';
const ICMP =
  'icmp     1 29 src=10.0.0.2 dst=10.0.0.3 type=8 code=0 id=7 src=10.0.0.3 dst=10.0.0.2 type=0 code=0 id=7 mark=0 use=1';

describe('conntrack entries', () => {
  it.each([
    [TCP, 4, { protocol: 'tcp', src: '10.0.0.2', dst: '10.0.0.3', dport: 80 }],
    // A Service connection is judged against the pod behind the ClusterIP.
    [DNAT, 4, { protocol: 'tcp', src: '10.0.0.2', dst: '10.0.1.7', dport: 8443 }],
    [UDP6, 6, { protocol: 'udp', src: 'fd00::2', dst: 'fd00::3', dport: 53 }],
    [ICMP, 4, { protocol: 'icmp', src: '10.0.0.2', dst: '10.0.0.3' }],
  ] as const)('%s → the flow FORWARD judged', (line, family, want) => {
    const e = parseConntrackLine(line, family);
    expect(e).not.toBeNull();
    expect(forwardFlow(e!)).toEqual({ family, ...want });
  });

  it.each([
    [TCP, 4, '-D -f ipv4 -p tcp --orig-src 10.0.0.2 --orig-dst 10.0.0.3 --sport 4242 --dport 80'],
    [
      DNAT,
      4,
      '-D -f ipv4 -p tcp --orig-src 10.0.0.2 --orig-dst 10.96.0.10 --sport 5000 --dport 443',
    ],
    [UDP6, 6, '-D -f ipv6 -p udp --orig-src fd00::2 --orig-dst fd00::3 --sport 53000 --dport 53'],
    [ICMP, 4, '-D -f ipv4 -p icmp --orig-src 10.0.0.2 --orig-dst 10.0.0.3'],
  ] as const)('%s → deletes its original tuple', (line, family, want) => {
    expect(deleteArgs(parseConntrackLine(line, family)!).join(' ')).toBe(want);
  });

  it('skips what is not an entry', () => {
    const text = [
      'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.',
      TCP,
      '',
      'x y',
    ].join('\n');
    expect(parseConntrackList(text, 4)).toHaveLength(1);
    expect(parseConntrackLine('tcp 6 10 src=bogus dst=10.0.0.1', 4)).toBeNull();
  });
});
