import { EndpointSchema } from '@palisade/model';
import { describe, expect, it } from 'vitest';
import { makePod, onNode, podIPs, podLabels, type Tweak } from '../testing/builders.js';
import { translatePod } from './pod.js';
import type { KPod } from './types.js';

const status =
  (s: NonNullable<KPod['status']>): Tweak<KPod> =>
  (p) => {
    p.status = s;
  };
const containers =
  (c: NonNullable<NonNullable<KPod['spec']>['containers']>, init: NonNullable<KPod['spec']>['initContainers'] = []): Tweak<KPod> =>
  (p) => {
    p.spec = { ...p.spec, containers: c, initContainers: init };
  };

describe('translatePod', () => {
  it('builds an endpoint with node, IPs, labels, uid and named ports', () => {
    const ep = translatePod(
      makePod('web-1', 'ns1', (p) => (p.metadata!.uid = 'uid-1'), podLabels({ app: 'web', tier: 'fe' }), containers([{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }])),
    );
    expect(ep).toEqual({
      apiVersion: 'palisade.io/v1',
      kind: 'Endpoint',
      metadata: { namespace: 'ns1', name: 'web-1', uid: 'uid-1' },
      spec: { node: 'node-1', ips: ['10.0.0.1'], labels: { app: 'web', tier: 'fe' }, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
    });
    expect(EndpointSchema.parse(ep)).toEqual(ep);
  });

  it.each<[string, Tweak<KPod>[], string[]]>([
    ['podIPs (dual stack)', [podIPs('10.0.0.7', 'fd00::7')], ['10.0.0.7', 'fd00::7']],
    ['fallback to podIP', [status({ phase: 'Running', podIP: '10.0.0.9' })], ['10.0.0.9']],
    ['empty podIPs falls back to podIP', [status({ phase: 'Running', podIP: '10.0.0.9', podIPs: [] })], ['10.0.0.9']],
    ['IPv6 made canonical', [podIPs('FD00:0:0:0:0:0:0:7')], ['fd00::7']],
    ['duplicates removed', [status({ podIPs: [{ ip: '10.0.0.2' }, { ip: '10.0.0.2' }] })], ['10.0.0.2']],
    ['unparsable IPs skipped', [status({ podIPs: [{ ip: 'garbage' }, { ip: '10.0.0.3' }] })], ['10.0.0.3']],
    ['pending pod with an IP', [status({ phase: 'Pending', podIP: '10.0.0.4' })], ['10.0.0.4']],
  ])('IPs: %s', (_d, tweaks, ips) => {
    expect(translatePod(makePod('p', 'ns1', ...tweaks))?.spec.ips).toEqual(ips);
  });

  it.each<[string, Tweak<KPod>[]]>([
    ['hostNetwork', [(p) => (p.spec!.hostNetwork = true)]],
    ['no IP yet', [status({ phase: 'Pending' })]],
    ['only unparsable IPs', [podIPs('nope')]],
    ['not scheduled', [onNode(null)]],
    ['Succeeded', [status({ phase: 'Succeeded', podIP: '10.0.0.1' })]],
    ['Failed', [status({ phase: 'Failed', podIP: '10.0.0.1' })]],
  ])('no endpoint: %s', (_d, tweaks) => {
    expect(translatePod(makePod('p', 'ns1', ...tweaks))).toBeNull();
  });

  it.each([
    ['protocol defaults to TCP', [{ name: 'c', ports: [{ name: 'dns', containerPort: 53 }] }], [], [{ name: 'dns', protocol: 'TCP', port: 53 }]],
    [
      'UDP and TCP of one name kept, sorted',
      [{ name: 'c', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns', containerPort: 53 }, { name: 'admin', containerPort: 9000 }] }],
      [],
      [{ name: 'admin', protocol: 'TCP', port: 9000 }, { name: 'dns', protocol: 'TCP', port: 53 }, { name: 'dns', protocol: 'UDP', port: 53 }],
    ],
    ['unnamed ports ignored', [{ name: 'c', ports: [{ containerPort: 80 }] }], [], []],
    ['first container wins a duplicate name', [{ name: 'a', ports: [{ name: 'http', containerPort: 80 }] }, { name: 'b', ports: [{ name: 'http', containerPort: 81 }] }], [], [{ name: 'http', protocol: 'TCP', port: 80 }]],
    ['invalid names and protocols skipped', [{ name: 'c', ports: [{ name: 'Bad_Name', containerPort: 80 }, { name: 'x', containerPort: 81, protocol: 'ICMP' }] }], [], []],
    ['sidecar init containers count', [], [{ name: 's', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9090 }] }], [{ name: 'metrics', protocol: 'TCP', port: 9090 }]],
    ['plain init containers do not', [], [{ name: 'i', ports: [{ name: 'metrics', containerPort: 9090 }] }], []],
  ])('named ports: %s', (_d, c, init, expected) => {
    expect(translatePod(makePod('p', 'ns1', containers(c, init)))?.spec.ports).toEqual(expected);
  });

  it('keeps only string label values and handles missing labels', () => {
    expect(translatePod(makePod('p', 'ns1', podLabels({ a: 'b', n: 1 as unknown as string })))?.spec.labels).toEqual({ a: 'b' });
    expect(translatePod(makePod('p', 'ns1', (p) => delete p.metadata!.labels))?.spec.labels).toEqual({});
  });

  it('throws for names that cannot be stored', () => {
    expect(() => translatePod(makePod('Bad_Name', 'ns1'))).toThrow(/cannot be stored/);
  });
});
