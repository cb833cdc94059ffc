/**
 * Terminal safety of every human output path (issue 10, item 7): a stored string
 * carrying ESC/BEL/CR/LF never reaches stdout or stderr raw; it shows escaped.
 */
import { describe, expect, it } from 'vitest';
import { run } from './program.js';
import { shopData, testContext } from './testing/fixture.js';
import { ingressRule, labels, makeEndpoint, makeNamespace, makePolicy, onNode, ip, peer, podSelector, withError } from './testing/builders.js';
import type { ModelData } from './view/modelView.js';

/** Sets the window title, clears the screen, returns the carriage and forges a line. */
const HOSTILE = 'x\x1b]0;title\x07\x1b[2J\r\nall agents healthy';
const SHOWN = 'x\\x1b]0;title\\x07\\x1b[2J\\r\\nall agents healthy';
/** Any control character except the line breaks palisadectl writes itself. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

async function ctl(args: string[], data: ModelData | Error) {
  const ctx = testContext(data);
  const code = await run(args, ctx);
  return { code, stdout: ctx.out.stdout, stderr: ctx.out.stderr };
}

/** The shop with HOSTILE in every kind of stored string the outputs show. */
function hostileData(): ModelData {
  const data = shopData();
  const ep = makeEndpoint('shop', 'evil', ip('10.0.9.9'), labels({ app: 'evil', note: HOSTILE }), onNode('node-a'));
  data.endpoints.push({ key: '/palisade/v1/endpoint/node-a/shop/evil', value: ep, raw: JSON.stringify(ep), modRevision: '20' });
  const ns = makeNamespace('hostile', { note: HOSTILE });
  data.namespaces.push({ key: '/palisade/v1/namespace/hostile', value: ns, raw: JSON.stringify(ns), modRevision: '20' });
  const pol = makePolicy(
    'shop',
    'evil',
    podSelector({ matchLabels: { note: HOSTILE } }),
    ingressRule({ peers: [peer('shop', { podSelector: { matchLabels: { note: HOSTILE } } })] }),
    withError('spec.ingress[0]', HOSTILE),
  );
  data.policies.push({ key: '/palisade/v1/policy/shop/evil', value: pol, raw: JSON.stringify(pol), modRevision: '20' });
  const agent = data.agents[0]!.value;
  agent.status.lastError = { time: '2025-01-01T00:00:30.000Z', message: HOSTILE };
  agent.status.invalidKeys = { [`/palisade/v1/policy/shop/${'bad'}`]: HOSTILE };
  data.invalid.push({ key: '/palisade/v1/namespace/broken', error: HOSTILE });
  return data;
}

function expectSafe(text: string): void {
  expect(text).not.toMatch(RAW);
  expect(text.split('\n').some((l) => l.trimStart().startsWith('all agents healthy'))).toBe(false);
}

describe('no stored control character reaches the terminal', () => {
  it.each([
    ['get endpoints -o wide', ['get', 'ep', '-A', '-o', 'wide']],
    ['get policies -o wide', ['get', 'pol', '-A', '-o', 'wide']],
    ['get namespaces', ['get', 'ns']],
    ['get nodes', ['get', 'nodes']],
    ['describe', ['describe', 'policy', 'shop/evil']],
    ['status', ['status']],
    ['explain', ['explain', '--from', 'shop/evil', '--to', 'shop/evil', '--port', '80']],
    ['explain (isolated by an errored policy)', ['explain', '--from', 'outside/client', '--to', 'shop/evil', '--port', '80']],
  ])('%s', async (_name, args) => {
    const r = await ctl(args, hostileData());
    expectSafe(r.stdout);
    expectSafe(r.stderr);
    expect(r.stdout + r.stderr).toContain(SHOWN);
  });

  it('escapes error messages on stderr', async () => {
    const r = await ctl(['get', 'pol'], new Error(HOSTILE));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${SHOWN}\n`);
  });

  it('escapes usage errors that quote argv', async () => {
    const r = await ctl(['get', `pol${HOSTILE}`], hostileData());
    expect(r.code).toBe(2);
    expectSafe(r.stderr);
  });

  it('keeps -o json and -o yaml exact', async () => {
    const json = await ctl(['get', 'ep', 'shop/evil', '-o', 'json'], hostileData());
    expect(json.stdout).not.toMatch(RAW);
    expect((JSON.parse(json.stdout) as { spec: { labels: Record<string, string> } }).spec.labels.note).toBe(HOSTILE);
    const yaml = await ctl(['get', 'ep', 'shop/evil', '-o', 'yaml'], hostileData());
    expect(yaml.stdout).not.toMatch(RAW);
    expect(yaml.stdout).toContain('note: "x\\e]0;title\\a\\e[2J\\r\\nall agents healthy"');
  });
});
