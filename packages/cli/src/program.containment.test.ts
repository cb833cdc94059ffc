/**
 * palisadectl shows what the agents enforce (issue 10 item 6 and "explain disagrees
 * with enforcement on invalid policies"): policies are confined to their namespace,
 * invalid policies are the agents' deny-all for theirs, and invalid endpoints name
 * their field.
 */
import { describe, expect, it } from 'vitest';
import { run } from './program.js';
import { ingressRule, makeEndpoint, makePolicy, rawSelector } from './testing/builders.js';
import { shopData, testContext } from './testing/fixture.js';
import { decodeModel } from './view/decode.js';
import type { ModelData } from './view/modelView.js';

async function ctl(args: string[], data: ModelData) {
  const ctx = testContext(data);
  const code = await run(args, ctx);
  return { code, stdout: ctx.out.stdout, stderr: ctx.out.stderr };
}

/** The shop plus raw stored values, decoded the way `palisadectl` reads etcd. */
function shopWith(raws: { key: string; value: unknown }[]): ModelData {
  const data = shopData();
  const extra = decodeModel(
    raws.map((r) => ({ key: r.key, value: JSON.stringify(r.value), modRevision: '21' })),
    '25',
  );
  return {
    ...data,
    policies: [...data.policies, ...extra.policies],
    endpoints: [...data.endpoints, ...extra.endpoints],
    invalid: [...data.invalid, ...extra.invalid],
  };
}

const badSelector = { key: '/palisade/v1/policy/outside/bad', value: makePolicy('outside', 'bad', rawSelector("app == 'client' &&"), ingressRule({})) };
const crossNamespace = { key: '/palisade/v1/policy/outside/evil', value: makePolicy('outside', 'evil', rawSelector("pal:namespace == 'shop'")) };

describe('explain applies the containment the agents apply', () => {
  it('says an invalid policy isolates its whole namespace and allows nothing', async () => {
    const r = await ctl(['explain', '--from', 'shop/front', '--to', 'outside/client', '--port', '80'], shopWith([badSelector]));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^BLOCKED: /);
    expect(r.stdout).toMatch(
      /ingress\s+outside\/client: isolated by policy outside\/bad; no rule allows; policy outside\/bad is invalid \(spec\.selector: .+\); the agents isolate every pod of namespace outside and allow nothing through it\n/,
    );
    expect(r.stderr).toMatch(/^warning: policy outside\/bad is invalid \(spec\.selector: .+\); the agents isolate every pod of namespace outside and allow nothing through it \(key \/palisade\/v1\/policy\/outside\/bad\)\n$/);
    expect(r.stderr).not.toMatch(/was ignored/);
  });

  it('lists the invalid policy in -o json', async () => {
    const r = await ctl(['explain', '--from', 'outside/client', '--to', 'shop/front', '--port', '80', '-o', 'json'], shopWith([badSelector]));
    const v = JSON.parse(r.stdout) as { allowed: boolean; egress: { state: string; invalid: { policy: string; key: string }[] } };
    expect(v.allowed).toBe(false);
    expect(v.egress).toMatchObject({ state: 'isolated', invalid: [{ policy: 'outside/bad', key: '/palisade/v1/policy/outside/bad' }] });
  });

  it('does not let a policy select pods of another namespace', async () => {
    const r = await ctl(['explain', '--from', 'outside/client', '--to', 'shop/mid', '--port', '80'], shopWith([crossNamespace]));
    expect(r.stdout).toMatch(/ingress\s+shop\/mid: allowed by policy shop\/allow-mid|ingress\s+shop\/mid: isolated by policy shop\/allow-mid;/);
    expect(r.stdout).not.toMatch(/outside\/evil/);
  });

  it('names an endpoint with a reserved label key as invalid, with the field', async () => {
    const evil = makeEndpoint('outside', 'spoof');
    evil.spec.labels['pal:namespace'] = 'shop';
    const data = shopWith([{ key: '/palisade/v1/endpoint/node-a/outside/spoof', value: evil }]);
    const explain = await ctl(['explain', '--from', 'outside/spoof', '--to', 'shop/db', '--port', '6379'], data);
    expect(explain.code).toBe(1);
    expect(explain.stderr).toMatch(/error: pod outside\/spoof has an invalid endpoint value in etcd \(spec\.labels\.pal:namespace: is a reserved label key/);
    const get = await ctl(['get', 'ep', '-A'], data);
    expect(get.stderr).toContain(
      'warning: skipped invalid value at /palisade/v1/endpoint/node-a/outside/spoof: spec.labels.pal:namespace: is a reserved label key',
    );
    expect(get.stdout).not.toContain('spoof');
  });
});

describe('describe applies the containment the agents apply', () => {
  it('describes an invalid policy as the deny-all the agents enforce, exiting 1', async () => {
    const r = await ctl(['describe', 'policy', 'outside/bad'], shopWith([badSelector]));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Key:         /palisade/v1/policy/outside/bad (mod revision 21)\nINVALID:     spec.selector: ');
    expect(r.stdout).toContain('They isolate every pod of namespace\n             outside (ingress and egress) and allow nothing through this policy.');
    expect(r.stdout).toContain('Applies to:  all pods in namespace outside (the stored value is invalid)');
    expect(r.stdout).toMatch(/Selected endpoints \(1, on 1 node\):\n {2}NODE\s+ENDPOINT\s+IPS\n {2}node-b\s+outside\/client\s+10\.0\.2\.2\n/);
    expect(r.stdout).toContain('Ingress rules:\n  (none: all ingress to the selected endpoints is blocked)');
    expect(r.stdout).toContain('Egress rules:\n  (none: all egress from the selected endpoints is blocked)');
    expect(r.stderr).toMatch(/error: policy outside\/bad is stored but invalid: spec\.selector: /);
  });

  it('shows that a selector naming another namespace is confined to its own', async () => {
    const r = await ctl(['describe', 'policy', 'outside/evil'], shopWith([crossNamespace]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Confined:    the selector does not restrict the namespace; the agents AND in pal:namespace == 'outside'");
    expect(r.stdout).toContain('Selected endpoints (0, on 0 nodes):\n  <none>');
  });

  it('get warns that an invalid policy is contained, naming the field', async () => {
    const r = await ctl(['get', 'pol', '-A'], shopWith([badSelector]));
    expect(r.stderr).toMatch(
      /warning: skipped invalid value at \/palisade\/v1\/policy\/outside\/bad: spec\.selector: .+ \(the agents isolate every pod of namespace outside and allow nothing through it\)\n/,
    );
  });

  it('get -l on policies uses the confined selection', async () => {
    const r = await ctl(['get', 'pol', '-A', '-l', 'app=mid'], shopWith([crossNamespace]));
    expect(r.stdout).toContain('allow-mid');
    expect(r.stdout).not.toContain('evil');
  });
});
