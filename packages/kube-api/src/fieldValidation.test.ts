import { describe, expect, it } from 'vitest';
import { NETWORK_POLICY_SCHEMA } from './builtinSchemas.js';
import { duplicateFields } from './fieldValidation.js';
import { prune } from './structural.js';

describe('duplicateFields', () => {
  it.each([
    ['{"a":1,"b":2}', []],
    ['{"a":1,"a":2}', ['a']],
    ['{"spec":{"x":{"y":1,"y":2}},"spec":{}}', ['spec.x.y', 'spec']],
    ['{"l":[{"k":1},{"k":1,"k":2}]}', ['l[1].k']],
    [' { "s" : "a,\\"}]" , "s" : [ ] , "n" : -1.5e3 , "t" : true } ', ['s']],
    ['{"a":{},"b":[],"c":null}', []],
  ])('%s', (text, want) => {
    JSON.parse(text);
    expect(duplicateFields(text)).toEqual(want);
  });
});

describe('prune paths (built-in NetworkPolicy)', () => {
  it('names dropped fields in document order and keeps declared ones', () => {
    const np = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'a', labels: { x: 'y' }, bogus: 1 },
      spec: {
        podSelector: { matchLabels: { app: 'web' }, other: 1 },
        ingress: [
          { from: [{ ipBlock: { cidr: '10.0.0.0/8', wide: true } }], ports: [{ port: 80 }] },
        ],
      },
      status: {},
    };
    expect(prune(np, NETWORK_POLICY_SCHEMA)).toEqual([
      'metadata.bogus',
      'spec.podSelector.other',
      'spec.ingress[0].from[0].ipBlock.wide',
      'status',
    ]);
    expect(np.spec.ingress[0]).toEqual({
      from: [{ ipBlock: { cidr: '10.0.0.0/8' } }],
      ports: [{ port: 80 }],
    });
  });
});
