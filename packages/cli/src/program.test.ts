import { describe, expect, it } from 'vitest';
import { PalisadeError } from '@palisade/model';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { run } from './program.js';
import { shopData, testContext } from './testing/fixture.js';
import type { ModelData } from './view/modelView.js';

async function ctl(args: string, ...datas: (ModelData | Error)[]) {
  const ctx = testContext(...(datas.length > 0 ? datas : [shopData()]));
  const argv = args.match(/'[^']*'|"[^"]*"|\S+/g)?.map((a) => a.replace(/^['"]|['"]$/g, '')) ?? [];
  const code = await run(argv, ctx);
  return { code, stdout: ctx.out.stdout, stderr: ctx.out.stderr, ctx };
}

describe('get', () => {
  it('prints a policy table for one namespace', async () => {
    const r = await ctl('get policies -n shop');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'NAME          ORDER   SELECTOR                                    TYPES',
        "allow-db      1000    app == 'db' && pal:namespace == 'shop'      Ingress",
        "allow-front   1000    app == 'front' && pal:namespace == 'shop'   Ingress",
        "allow-mid     1000    app == 'mid' && pal:namespace == 'shop'     Ingress",
        '',
      ].join('\n'),
    );
  });

  it('adds NAMESPACE with -A and rule counts and errors with -o wide', async () => {
    const r = await ctl('get pol -A -o wide');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+ORDER\s+SELECTOR\s+TYPES\s+INGRESS-RULES\s+EGRESS-RULES\s+ERROR$/);
    expect(lines[1]).toMatch(/^outside\s+broken\s+1000 .* Ingress\s+0\s+0\s+spec.ingress\[0\].ports\[0\].port: named port "Bad!" is invalid$/);
    expect(lines).toHaveLength(5);
  });

  it('prints one object exactly as stored with -o json', async () => {
    const data = shopData();
    const r = await ctl('get policy allow-db -n shop -o json', data);
    const stored = data.policies.find((p) => p.key.endsWith('/allow-db'));
    expect(r.stdout).toBe(`${JSON.stringify(JSON.parse(stored?.raw ?? ''), null, 2)}\n`);
  });

  it('prints lists as a JSON array and YAML documents', async () => {
    const json = await ctl('get ep -A -o json');
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(4);
    const yaml = await ctl('get pol -A -o yaml');
    const docs = parseAllDocuments(yaml.stdout);
    expect(docs.map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual([
      'broken',
      'allow-db',
      'allow-front',
      'allow-mid',
    ]);
    const one = await ctl('get pol shop/allow-mid -o yaml');
    expect(parseYaml(one.stdout)).toMatchObject({ kind: 'Policy', metadata: { namespace: 'shop', name: 'allow-mid' } });
  });

  it.each([
    ['get ep -A -l app=front', ['shop/front']],
    ["get ep -A -l \"ns:team == 'blue' && app != 'db'\"", ['shop/front', 'shop/mid']],
    ['get ep -A -l app,app!=db,app!=mid', ['outside/client', 'shop/front']],
  ])('%s', async (args, names) => {
    const r = await ctl(args);
    const rows = r.stdout.trimEnd().split('\n').slice(1);
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2).join('/'))).toEqual(names);
  });

  it('filters policies by the endpoints they apply to', async () => {
    const r = await ctl('get pol -A -l app=mid');
    expect(r.stdout).toMatch(/allow-mid/);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('shows endpoints wide and namespaces with labels', async () => {
    const ep = await ctl('get ep front -n shop -o wide');
    expect(ep.stdout).toBe(
      'NAME    NODE     IPS        LABELS      PORTS\nfront   node-a   10.0.1.1   app=front   http:80/TCP\n',
    );
    const ns = await ctl('get ns');
    expect(ns.stdout).toBe(
      'NAME      LABELS\noutside   kubernetes.io/metadata.name=outside\nshop      kubernetes.io/metadata.name=shop,team=blue\n',
    );
  });

  it('shows nodes, marking a node with endpoints but no agent MISSING', async () => {
    const data = shopData('18');
    data.agents = data.agents.filter((a) => a.value.metadata.name === 'node-a');
    const r = await ctl('get nodes', data);
    expect(r.stdout).toBe(
      [
        'NAME     IN-SYNC   REVISION   LAG      ENDPOINTS   LAST-APPLY   ERROR',
        'node-a   true      18         2        2           50s          <none>',
        'node-b   MISSING   <none>     <none>   2           <none>       <none>',
        '',
      ].join('\n'),
    );
    const missing = await ctl('get node node-b -o yaml', data);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/node node-b has endpoints but no agent status/);
  });

  it('says when nothing matches, on stderr', async () => {
    const r = await ctl('get pol -n empty');
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in empty namespace.\n' });
  });

  it.each([
    ['get policy nope -n shop', 3, /error: policy shop\/nope not found/],
    ['get ns nope', 3, /error: namespace nope not found/],
    ['get widgets', 2, /unknown resource type "widgets"/],
    ['get pol --bogus', 2, /unknown option '--bogus'/],
    ['get pol -o xml', 2, /Allowed choices are table, wide, yaml, json/],
    ['get pol -l "a ==="', 2, /invalid -l selector/],
    ['bogus', 2, /unknown command 'bogus'/],
    ['get', 2, /missing required argument 'resource'/],
    ['get pol a/b/c', 2, /invalid name "a\/b\/c"/],
  ])('%s exits %d', async (args, code, message) => {
    const r = await ctl(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('warns about invalid values on stderr', async () => {
    const r = await ctl('get pol -A', shopData('20', { invalid: [{ key: '/palisade/v1/policy/x/bad', error: 'spec.types: Required' }] }));
    expect(r.stderr).toMatch(/warning: skipped invalid value at \/palisade\/v1\/policy\/x\/bad: spec.types: Required/);
  });
});

describe('errors', () => {
  it('exits 4 naming the endpoints when etcd is unreachable', async () => {
    const r = await ctl(
      'get pol --etcd-endpoints http://10.9.9.9:2379,http://10.9.9.8:2379',
      new PalisadeError('UNAVAILABLE', 'connect ECONNREFUSED'),
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/etcd unreachable at http:\/\/10.9.9.9:2379,http:\/\/10.9.9.8:2379/);
    expect(r.ctx.opened).toEqual([['http://10.9.9.9:2379', 'http://10.9.9.8:2379']]);
  });

  it('exits 1 on unexpected failures', async () => {
    const r = await ctl('get pol', new Error('boom'));
    expect(r).toMatchObject({ code: 1, stderr: 'error: boom\n' });
  });

  it.each(['--help', 'get --help', 'describe --help', 'explain --help', 'status --help', 'completion --help'])(
    '%s exits 0 with examples',
    async (args) => {
      const r = await ctl(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n {2}(palisadectl|source|kubectl)/);
    },
  );
});

describe('describe', () => {
  it('explains a policy in plain words', async () => {
    const r = await ctl('describe policy shop/allow-db');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Applies to:  pods matching app == 'db' in namespace shop");
    expect(r.stdout).toContain('Selected endpoints (1, on 1 node):');
    expect(r.stdout).toMatch(/node-a\s+shop\/db\s+10.0.1.2/);
    expect(r.stdout).toContain("  1. Allow ingress from pods matching app == 'mid' in namespace shop on TCP 6379\n     admits 1 endpoint: shop/mid\n");
  });

  it('shows an error prominently', async () => {
    const r = await ctl('describe pol broken -n outside');
    expect(r.stdout).toMatch(/\nERROR: spec.ingress\[0\].ports\[0\].port: named port "Bad!" is invalid\n/);
    expect(r.stdout).toContain('Ingress rules (IGNORED: the policy has an error):');
    expect(r.stdout).toContain('Selected endpoints (0, on 0 nodes):\n  <none>');
  });

  it.each([
    ['describe policy shop/nope', 3],
    ['describe endpoint shop/front', 2],
  ])('%s exits %d', async (args, code) => {
    expect((await ctl(args)).code).toBe(code);
  });
});

describe('status', () => {
  it('is healthy when every agent programmed the newest model write', async () => {
    const r = await ctl('status');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Controller leader:  controller-7f9c (since 2025-01-01T00:00:00.000Z, 60s ago)');
    expect(r.stdout).toContain('etcd revision:      25 (newest policy/endpoint/namespace write: 20)');
    expect(r.stdout).toContain('Healthy: all 2 agents in sync and programmed up to revision 20.');
  });

  it.each([
    ['behind', shopData('19'), /node-a: behind: programmed revision 19, newest model write 20 \(lag 1 > --max-lag 0\)/],
    ['missing', { ...shopData(), agents: shopData().agents.slice(0, 1) }, /node-b: 2 endpoints on this node but no agent status/],
  ])('exits 5 when an agent is %s', async (_name, data, message) => {
    const r = await ctl('status', data);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/UNHEALTHY:/);
    expect(r.stdout).toMatch(message);
  });

  it('accepts lag up to --max-lag', async () => {
    expect((await ctl('status --max-lag 1', shopData('19'))).code).toBe(0);
  });

  it('reports invalid keys and the machine-readable form', async () => {
    const data = shopData();
    data.agents[0]!.value.status.invalidKeys = { '/palisade/v1/policy/x/bad': 'spec.types: Required' };
    const r = await ctl('status -o json', data);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      healthy: true,
      modelRevision: '20',
      leader: { id: 'controller-7f9c' },
      invalidKeys: [{ key: '/palisade/v1/policy/x/bad', error: 'spec.types: Required', reportedBy: ['node-a'] }],
    });
  });

  it('--wait returns once every agent caught up, with progress on stderr', async () => {
    const r = await ctl('status --wait', shopData('18'), shopData('19'), shopData('20'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('waiting for revision 20: 0/2 agents done; pending node-a (at 18), node-b (at 18)');
    expect(r.stderr).toContain('all 2 agents have programmed revision 20');
    expect(r.ctx.loads).toBe(3);
  });

  it('--wait times out with exit 5', async () => {
    const ctx = testContext(shopData('18'));
    let t = 0;
    ctx.now = () => new Date(Date.parse('2025-01-01T00:01:00.000Z') + t);
    ctx.sleep = (ms) => {
      t += ms;
      return Promise.resolve();
    };
    const code = await run(['status', '--wait', '--timeout', '2s'], ctx);
    expect(code).toBe(5);
    expect(ctx.out.stderr).toMatch(/error: timed out after 2s waiting for agents to program revision 20: node-a \(at 18\), node-b \(at 18\)/);
    expect(ctx.loads).toBe(5);
  });

  it.each(['status --max-lag -1', 'status --timeout soon --wait'])('%s is a usage error', async (args) => {
    expect((await ctl(args)).code).toBe(2);
  });
});

describe('explain', () => {
  it('prints the verdict and each side', async () => {
    const r = await ctl('explain --from shop/front --to shop/db --port 6379');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'BLOCKED: shop/front (10.0.1.1 on node-a) -> shop/db (10.0.1.2 on node-a) TCP/6379',
        '  egress  shop/front: not isolated (no policy selects shop/front for egress)',
        '  ingress shop/db: isolated by policy shop/allow-db; no rule allows',
        '',
      ].join('\n'),
    );
  });

  it('gives JSON and honours --exit-code', async () => {
    const r = await ctl('explain --from shop/mid --to shop/db --port 6379 -o json --exit-code');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      allowed: true,
      from: { pod: 'shop/mid', ip: '10.0.2.1', node: 'node-b' },
      ingress: { state: 'allowed', policy: 'shop/allow-db', rule: 1 },
      egress: { state: 'not-isolated' },
    });
    const blocked = await ctl('explain --from 10.0.2.2 --to shop/mid --port 80 --exit-code');
    expect(blocked.code).toBe(1);
  });

  it.each([
    ['explain --from shop/front --to shop/db', 2],
    ['explain --from shop/front --to shop/db --port 0', 2],
    ['explain --from shop/front --to shop/db --port 80 --protocol ICMP', 2],
    ['explain --from shop/nope --to shop/db --port 80', 3],
    ['explain --from nope --to shop/db --port 80', 2],
  ])('%s exits %d', async (args, code) => {
    expect((await ctl(args)).code).toBe(code);
  });
});

describe('completion', () => {
  it.each([
    ['bash', /complete -o default -F _palisadectl palisadectl/],
    ['zsh', /#compdef palisadectl/],
  ])('%s', async (shell, marker) => {
    const r = await ctl(`completion ${shell}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(marker);
    for (const word of ['get', 'describe', 'explain', 'status', 'policies', '--all-namespaces', '--etcd-endpoints'])
      expect(r.stdout).toContain(word);
  });
  it('rejects other shells', async () => expect((await ctl('completion fish')).code).toBe(2));
});
