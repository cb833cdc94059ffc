/* eslint-disable @typescript-eslint/no-explicit-any -- tweaks edit arbitrary policy JSON */
/**
 * ClusterNetworkPolicy validation cases for the kube-api itests: tweaks of the
 * makeClusterNetworkPolicy base object (Admin, priority 10, subject all namespaces,
 * one ingress Deny rule), each invalid one with the causes a real API server with the
 * chart's CRD answers (field, reason, and a piece of the message), and valid objects
 * that together use every field once.
 */

export type Tweak = (cnp: any) => void;

export const spec =
  (patch: Record<string, unknown>): Tweak =>
  (cnp) => {
    Object.assign(cnp.spec, patch);
  };
export const drop =
  (...fields: string[]): Tweak =>
  (cnp) => {
    for (const f of fields) delete cnp.spec[f];
  };
export const ingress = (...rules: unknown[]): Tweak => spec({ ingress: rules });
export const egress = (...rules: unknown[]): Tweak => spec({ egress: rules, ingress: undefined });
/** One ingress rule from all namespaces with these protocol entries. */
export const ingressProtocols = (...protocols: unknown[]): Tweak =>
  ingress({ action: 'Accept', from: [{ namespaces: {} }], protocols });
export const tcpRange = (start: number, end: number) => ({
  tcp: { destinationPort: { range: { start, end } } },
});
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const sel = (team: string) => ({ matchLabels: { team } });

/** [name, tweak, [field, reason, message fragment][]] */
export type InvalidCase = [string, Tweak, [string, string, string][]];

const RANGE = 'spec.ingress[0].protocols[0].tcp.destinationPort.range';
const NOT_LESS = [[RANGE, 'FieldValueInvalid', 'Start port must be less than End port']] as [
  string,
  string,
  string,
][];

export const invalidCases: InvalidCase[] = [
  [
    'priority -1',
    spec({ priority: -1 }),
    [['spec.priority', 'FieldValueInvalid', 'should be greater than or equal to 0']],
  ],
  [
    'priority 1001',
    spec({ priority: 1001 }),
    [['spec.priority', 'FieldValueInvalid', 'should be less than or equal to 1000']],
  ],
  [
    'priority not an integer',
    spec({ priority: 'high' }),
    [['spec.priority', 'FieldValueTypeInvalid', 'must be of type integer: "string"']],
  ],
  [
    'unknown tier',
    spec({ tier: 'Cluster' }),
    [['spec.tier', 'FieldValueNotSupported', 'supported values: "Admin", "Baseline"']],
  ],
  [
    'subject with no field',
    spec({ subject: {} }),
    [['spec.subject', 'FieldValueInvalid', 'should have at least 1 properties']],
  ],
  [
    'subject with namespaces and pods',
    spec({ subject: { namespaces: {}, pods: { podSelector: {} } } }),
    [['spec.subject', 'FieldValueTooMany', 'must have at most 1 items']],
  ],
  [
    'subject pods without podSelector',
    spec({ subject: { pods: { namespaceSelector: {} } } }),
    [['spec.subject.pods.podSelector', 'FieldValueRequired', 'Required value']],
  ],
  ['port range with start above end', ingressProtocols(tcpRange(90, 80)), NOT_LESS],
  ['port range with start equal to end', ingressProtocols(tcpRange(80, 80)), NOT_LESS],
  [
    'port range without end',
    ingressProtocols({ tcp: { destinationPort: { range: { start: 80 } } } }),
    [[`${RANGE}.end`, 'FieldValueRequired', 'Required value']],
  ],
  [
    'port 0 and port 65536',
    ingressProtocols(
      { udp: { destinationPort: { number: 0 } } },
      { sctp: { destinationPort: { number: 65536 } } },
    ),
    [
      [
        'spec.ingress[0].protocols[0].udp.destinationPort.number',
        'FieldValueInvalid',
        'should be greater than or equal to 1',
      ],
      [
        'spec.ingress[0].protocols[1].sctp.destinationPort.number',
        'FieldValueInvalid',
        'should be less than or equal to 65535',
      ],
    ],
  ],
  [
    'destinationPort with number and range',
    ingressProtocols({ tcp: { destinationPort: { number: 80, range: { start: 1, end: 2 } } } }),
    [['spec.ingress[0].protocols[0].tcp.destinationPort', 'FieldValueTooMany', 'at most 1']],
  ],
  [
    'tcp with no field',
    ingressProtocols({ tcp: {} }),
    [['spec.ingress[0].protocols[0].tcp', 'FieldValueInvalid', 'at least 1 properties']],
  ],
  [
    'protocol entry with no field',
    ingressProtocols({}),
    [['spec.ingress[0].protocols[0]', 'FieldValueInvalid', 'at least 1 properties']],
  ],
  [
    'protocol entry with tcp and destinationNamedPort',
    ingressProtocols({ tcp: { destinationPort: { number: 80 } }, destinationNamedPort: 'http' }),
    [['spec.ingress[0].protocols[0]', 'FieldValueTooMany', 'must have at most 1 items']],
  ],
  [
    'empty protocols list',
    ingressProtocols(),
    [['spec.ingress[0].protocols', 'FieldValueInvalid', 'should have at least 1 items']],
  ],
  [
    'invalid action',
    ingress({ action: 'Allow', from: [{ namespaces: {} }] }),
    [['spec.ingress[0].action', 'FieldValueNotSupported', '"Accept", "Deny", "Pass"']],
  ],
  [
    'rule without action',
    ingress({ from: [{ namespaces: {} }] }),
    [['spec.ingress[0].action', 'FieldValueRequired', 'Required value']],
  ],
  [
    'ingress rule without from',
    ingress({ action: 'Deny' }),
    [['spec.ingress[0].from', 'FieldValueRequired', 'Required value']],
  ],
  [
    'egress rule without to',
    egress({ action: 'Deny' }),
    [['spec.egress[0].to', 'FieldValueRequired', 'Required value']],
  ],
  [
    'rule name over 100 characters',
    ingress({ name: 'n'.repeat(101), action: 'Deny', from: [{ namespaces: {} }] }),
    [['spec.ingress[0].name', 'FieldValueTooLong', 'may not be more than 100']],
  ],
  [
    // networks is not an ingress peer field: pruned, which leaves the peer empty.
    'ingress peer with networks (egress only)',
    ingress({ action: 'Deny', from: [{ networks: ['10.0.0.0/8'] }] }),
    [['spec.ingress[0].from[0]', 'FieldValueInvalid', 'at least 1 properties']],
  ],
  [
    'egress peer with namespaces and networks',
    egress({ action: 'Deny', to: [{ namespaces: {}, networks: ['10.0.0.0/8'] }] }),
    [['spec.egress[0].to[0]', 'FieldValueTooMany', 'must have at most 1 items']],
  ],
  [
    'bad CIDR in networks',
    egress({ action: 'Deny', to: [{ networks: ['10.0.0.0/8', '10.0.0.0/33'] }] }),
    [['spec.egress[0].to[0].networks[1]', 'FieldValueInvalid', 'in body should match']],
  ],
  [
    'duplicate networks (a set)',
    egress({ action: 'Deny', to: [{ networks: ['10.0.0.0/8', '10.0.0.0/8'] }] }),
    [['spec.egress[0].to[0].networks[1]', 'FieldValueDuplicate', 'Duplicate value']],
  ],
  [
    'named port to a networks peer',
    egress({
      action: 'Accept',
      to: [{ networks: ['10.0.0.0/8'] }],
      protocols: [{ destinationNamedPort: 'http' }],
    }),
    [['spec.egress[0]', 'FieldValueInvalid', 'cannot be set with namedPorts']],
  ],
  [
    '26 ingress rules',
    ingress(...times(26, () => ({ action: 'Deny', from: [{ namespaces: {} }] }))),
    [['spec.ingress', 'FieldValueTooMany', 'Too many: 26: must have at most 25 items']],
  ],
  [
    '26 peers in a rule',
    ingress({ action: 'Deny', from: times(26, (i) => ({ namespaces: sel(`t${i}`) })) }),
    [['spec.ingress[0].from', 'FieldValueTooMany', 'Too many: 26: must have at most 25 items']],
  ],
  [
    '26 networks in a peer',
    egress({ action: 'Deny', to: [{ networks: times(26, (i) => `10.${i}.0.0/16`) }] }),
    [['spec.egress[0].to[0].networks', 'FieldValueTooMany', 'must have at most 25 items']],
  ],
  [
    'no peers',
    ingress({ action: 'Deny', from: [] }),
    [['spec.ingress[0].from', 'FieldValueInvalid', 'should have at least 1 items']],
  ],
  [
    'missing tier, priority and subject',
    drop('tier', 'priority', 'subject'),
    [
      ['spec.tier', 'FieldValueRequired', 'Required value'],
      ['spec.priority', 'FieldValueRequired', 'Required value'],
      ['spec.subject', 'FieldValueRequired', 'Required value'],
    ],
  ],
  [
    // Nulls in a map are dropped as absent (spec: Required); nulls in a list stay.
    'null spec',
    (cnp) => {
      cnp.spec = null;
    },
    [['spec', 'FieldValueRequired', 'Required value']],
  ],
  [
    'null network in the list',
    egress({ action: 'Deny', to: [{ networks: [null] }] }),
    [['spec.egress[0].to[0].networks[0]', 'FieldValueTypeInvalid', 'must be of type string']],
  ],
  [
    'no spec',
    (cnp) => {
      delete cnp.spec;
    },
    [['spec', 'FieldValueRequired', 'Required value']],
  ],
];

/** Valid policies; together they use every field, every action and every port form. */
export const validCases: [string, Tweak][] = [
  [
    'admin accept from namespaces by expression, TCP port number',
    (cnp) => {
      cnp.spec.subject = { namespaces: sel('a') };
      cnp.spec.ingress = [
        {
          name: 'web',
          action: 'Accept',
          from: [
            { namespaces: { matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] } },
          ],
          protocols: [{ tcp: { destinationPort: { number: 80 } } }],
        },
      ];
    },
  ],
  [
    'admin pass from pods to a subject of pods, UDP port range',
    spec({
      subject: {
        pods: { namespaceSelector: sel('a'), podSelector: { matchLabels: { app: 'db' } } },
      },
      ingress: [
        {
          action: 'Pass',
          from: [{ pods: { namespaceSelector: {}, podSelector: sel('x') } }],
          protocols: [{ udp: { destinationPort: { range: { start: 1000, end: 2000 } } } }],
        },
      ],
    }),
  ],
  [
    'baseline priority 0, egress deny to IPv4 and IPv6 networks, SCTP and a bare TCP port',
    (cnp) => {
      Object.assign(cnp.spec, { tier: 'Baseline', priority: 0 });
      egress({
        action: 'Deny',
        to: [{ networks: ['10.0.0.0/8', '10.0.0.1/32', 'fd00::/8'] }],
        protocols: [
          { sctp: { destinationPort: { number: 9 } } },
          { tcp: { destinationPort: { range: { start: 1, end: 65535 } } } },
        ],
      })(cnp);
    },
  ],
  [
    'baseline priority 1000, egress accept to nodes and to domain names',
    (cnp) => {
      Object.assign(cnp.spec, { tier: 'Baseline', priority: 1000 });
      egress(
        { action: 'Accept', to: [{ nodes: sel('infra') }] },
        { action: 'Accept', to: [{ domainNames: ['kubernetes.io', '*.example.com'] }] },
      )(cnp);
    },
  ],
  [
    // Upstream v1alpha2 has no per-tier action rule: a Baseline Pass reaches the default allow.
    'baseline pass',
    spec({ tier: 'Baseline', ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] }),
  ],
  [
    'egress accept to pods on a named port',
    egress({
      action: 'Accept',
      to: [{ pods: { namespaceSelector: sel('a'), podSelector: {} } }, { namespaces: sel('b') }],
      protocols: [{ destinationNamedPort: 'http' }],
    }),
  ],
  ['a subject with no rules', spec({ ingress: undefined })],
  [
    // As the apiextensions decoder does, a null optional field is an absent one.
    'null optional fields (dropped)',
    spec({
      subject: { namespaces: { matchLabels: null }, pods: null },
      egress: null,
      ingress: [{ name: null, action: 'Deny', from: [{ namespaces: {} }], protocols: null }],
    }),
  ],
  [
    '25 rules of 25 peers each',
    ingress(
      ...times(25, (r) => ({
        action: 'Deny',
        from: times(25, (i) => ({ namespaces: sel(`r${r}-${i}`) })),
      })),
    ),
  ],
];
