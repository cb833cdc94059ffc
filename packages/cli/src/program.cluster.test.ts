/** get / describe / explain of cluster policies through the command tree (clusterShopData). */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { run } from './program.js';
import { cnpError, cnpIngress, makeClusterPolicy, makeData, subject } from './testing/builders.js';
import { clusterShopData, testContext } from './testing/fixture.js';
import type { ModelData } from './view/modelView.js';

async function ctl(args: string, data: ModelData = clusterShopData()) {
  const ctx = testContext(data);
  const argv = args.match(/'[^']*'|"[^"]*"|\S+/g)?.map((a) => a.replace(/^['"]|['"]$/g, '')) ?? [];
  const code = await run(argv, ctx);
  return { code, stdout: ctx.out.stdout, stderr: ctx.out.stderr };
}

/** clusterShopData plus more cluster policies (stored the way makeData stores them). */
function withCnps(...cnps: Parameters<typeof makeClusterPolicy>[]): ModelData {
  const data = clusterShopData();
  const extra = makeData({ clusterPolicies: cnps.map((args) => makeClusterPolicy(...args)) });
  return { ...data, clusterPolicies: [...data.clusterPolicies, ...extra.clusterPolicies], invalid: [...data.invalid, ...extra.invalid] };
}

describe('get clusterpolicies', () => {
  it.each(['clusterpolicies', 'clusterpolicy', 'cnp', 'cnps', 'clusternetworkpolicies', 'CNP'])('lists them in evaluation order (%s)', async (word) => {
    const r = await ctl(`get ${word}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'NAME                   TIER       PRIORITY',
        'allow-dns              Admin      5',
        'guard-db               Admin      10',
        'outside-default-deny   Baseline   100',
        '',
      ].join('\n'),
    );
  });

  it('adds the selector, rule counts, warnings and error with -o wide (and ignores -n)', async () => {
    const r = await ctl('get cnp -o wide -n shop');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TIER\s+PRIORITY\s+SELECTOR\s+INGRESS-RULES\s+EGRESS-RULES\s+WARNINGS\s+ERROR$/);
    expect(lines[1]).toMatch(/^allow-dns\s+Admin\s+5\s+all\(\)\s+0\s+1\s+spec\.egress\[1\]\.to\[0\]\.domainNames: not supported; the rule\.\.\.\s+<none>$/);
    expect(lines[2]).toMatch(/^guard-db\s+Admin\s+10\s+app == 'db' && ns:kubernetes\.io\/metadata\.name == 'shop'\s+2\s+0\s+<none>\s+<none>$/);
    expect(lines).toHaveLength(4);
  });

  it('prints one exactly as stored with -o json and -o yaml', async () => {
    const data = clusterShopData();
    const stored = data.clusterPolicies.find((p) => p.key === '/palisade/v1/clusterpolicy/guard-db');
    const json = await ctl('get clusterpolicy guard-db -o json', data);
    expect(json.stdout).toBe(`${JSON.stringify(JSON.parse(stored?.raw ?? ''), null, 2)}\n`);
    const yaml = await ctl('get cnp guard-db -o yaml', data);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(stored?.raw ?? ''));
    const all = await ctl('get cnp -o yaml', data);
    expect(parseAllDocuments(all.stdout).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual([
      'allow-dns',
      'guard-db',
      'outside-default-deny',
    ]);
  });

  it('filters with -l: cluster policies selecting at least one matching endpoint', async () => {
    const r = await ctl('get cnp -l app=db');
    expect(r.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'allow-dns', 'guard-db']);
  });

  it('exits 3 for a missing name, naming it', async () => {
    const r = await ctl('get cnp nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('error: cluster policy nope not found\n');
  });

  it('warns about an invalid stored cluster policy and what the agents do instead', async () => {
    const r = await ctl('get cnp', withCnps(['bad', subject('pod ==')]));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: skipped invalid value at \/palisade\/v1\/clusterpolicy\/bad: spec\.selector: .+ \(the agents enforce it as an Admin cluster policy at priority 0 that denies all ingress and egress of every pod\)\n$/,
    );
  });
});

describe('describe clusterpolicy', () => {
  it('shows tier, priority, subject, selected endpoints and each rule', async () => {
    const r = await ctl('describe clusterpolicy guard-db');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Name:        guard-db',
        'Key:         /palisade/v1/clusterpolicy/guard-db (mod revision 21)',
        'Tier:        Admin (evaluated before NetworkPolicies)',
        'Priority:    10 (2nd of 2 Admin cluster policies; lower first, ties by name)',
        "Selector:    app == 'db' && ns:kubernetes.io/metadata.name == 'shop'",
        "Applies to:  pods matching app == 'db' in namespaces matching kubernetes.io/metadata.name == 'shop'",
        '',
        'Selected endpoints (1, on 1 node):',
        '  NODE     ENDPOINT   IPS',
        '  node-a   shop/db    10.0.1.2',
        '',
        'Ingress rules (first match decides: Accept and Deny are final, Pass leaves the Admin tier):',
        "  1. pass-mid: Pass ingress from pods matching app == 'mid' in namespaces matching kubernetes.io/metadata.name == 'shop' on any port",
        '     matches 1 endpoint: shop/mid',
        '  2. deny-others: Deny ingress from anywhere on any port',
        '     matches all 4 endpoints and any address',
        '',
        'Egress rules:',
        '  (none: egress from the selected endpoints is not affected)',
        '',
      ].join('\n'),
    );
  });

  it('shows warnings, ports and networks', async () => {
    const r = await ctl('describe cnp allow-dns');
    expect(r.stdout).toContain('Warnings:    spec.egress[1].to[0].domainNames: not supported; the rule fails closed\n');
    expect(r.stdout).toContain('  1. dns: Accept egress to 10.96.0.10/32 on UDP 53\n     matches no endpoints and any address in 10.96.0.10/32\n');
  });

  it('shows a translation error first and the rules as not enforced', async () => {
    const r = await ctl('describe cnp broken', withCnps(['broken', cnpError('spec.ingress[0].from[0].nodes', 'nodes peers are not supported'), cnpIngress({ action: 'Accept' })]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      [
        '',
        'ERROR: spec.ingress[0].from[0].nodes: nodes peers are not supported',
        '       The cluster policy could not be translated. For the endpoints it selects, the',
        '       agents replace the rules of each direction that has rules with one Deny-all rule.',
        '',
      ].join('\n'),
    );
    expect(r.stdout).toContain('Ingress rules (NOT ENFORCED: the cluster policy has an error; the agents deny all ingress of the selected endpoints instead):');
  });

  it('describes an invalid stored value as the deny-all enforced in its place and exits 1', async () => {
    const r = await ctl('describe cnp bad', withCnps(['bad', subject('pod ==')]));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Name: {8}bad\nKey: {9}\/palisade\/v1\/clusterpolicy\/bad \(mod revision \d+\)\nINVALID: {5}spec\.selector: /);
    expect(r.stdout).toContain('Tier:        Admin (enforced in its place; evaluated before NetworkPolicies)\n');
    expect(r.stdout).toContain('Priority:    0 (enforced in its place; 1st of 3 Admin cluster policies; lower first, ties by name)\n');
    expect(r.stdout).toContain('Selected endpoints (4, on 2 nodes):');
    expect(r.stdout).toContain('  1. ingress[invalid]: Deny ingress from anywhere on any port\n');
    expect(r.stderr).toMatch(/error: cluster policy bad is stored but invalid: spec\.selector: /);
  });

  it('escapes controls in stored strings', async () => {
    const r = await ctl('describe cnp evil', withCnps(['evil', cnpIngress({ name: 'x\x1b]0;pwned\x07', action: 'Deny' }), (p) => {
      p.spec.warnings = ['line\nall agents healthy'];
    }]));
    expect(r.stdout).toContain('  1. x\\x1b]0;pwned\\x07: Deny ingress from anywhere on any port\n');
    expect(r.stdout).toContain('Warnings:    line\\nall agents healthy\n');
    expect(r.stdout.includes('\x07') || r.stdout.includes('\x1b')).toBe(false);
  });

  it.each([
    ['describe cnp nope', 3, 'error: cluster policy nope not found\n'],
    ['describe cnp shop/guard-db', 2, 'error: a cluster policy has no namespace: "shop/guard-db"\n'],
    ['describe ep shop/db', 2, 'error: describe supports policies and cluster policies only, not "ep" (try get -o yaml)\n'],
  ])('%s exits %d', async (args, code, stderr) => {
    const r = await ctl(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toBe(stderr);
  });
});

describe('explain with cluster policies', () => {
  it.each([
    ['outside/client', 'shop/db', '6379', 'BLOCKED', 'ingress shop/db: denied by Admin cluster policy guard-db ingress rule 2 (deny-others)'],
    ['shop/mid', 'shop/db', '6379', 'ALLOWED', 'ingress shop/db: passed by Admin cluster policy guard-db ingress rule 1 (pass-mid); allowed by policy shop/allow-db ingress rule 1'],
    ['shop/front', 'outside/client', '80', 'BLOCKED', 'ingress outside/client: no NetworkPolicy isolates outside/client for ingress; denied by Baseline cluster policy outside-default-deny ingress rule 1 (deny-all)'],
  ])('%s -> %s:%s', async (from, to, port, verdict, line) => {
    const r = await ctl(`explain --from ${from} --to ${to} --port ${port}`);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^${verdict}: `));
    expect(r.stdout).toContain(`  ${line}\n`);
  });

  it('warns that an invalid cluster policy is enforced as a deny-all, not ignored', async () => {
    const r = await ctl('explain --from shop/mid --to shop/db --port 6379', withCnps(['bad', subject('pod ==')]));
    expect(r.stdout).toMatch(/^BLOCKED/);
    expect(r.stderr).toMatch(/^warning: cluster policy bad is invalid \(spec\.selector: .+\); the agents enforce it as an Admin cluster policy at priority 0 that denies all ingress and egress of every pod \(key \/palisade\/v1\/clusterpolicy\/bad\)\n$/);
  });
});
