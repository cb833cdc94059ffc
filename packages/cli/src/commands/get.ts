/** `palisadectl get policies|endpoints|namespaces|nodes [name]`. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { PalisadeError, compareClusterPolicies, matchSelector } from '@palisade/model';
import type { ClusterPolicy, SelectorExpr } from '@palisade/model';
import type { CliContext } from '../context.js';
import { withSource } from '../context.js';
import { parseLabelSelectorArg } from '../labelSelector.js';
import { jsonDocuments, yamlDocuments } from '../output/documents.js';
import { printProgress, printWarning } from '../output/io.js';
import { clusterPolicyTable, endpointTable, namespaceTable, nodeTable, policyTable } from '../output/resources.js';
import { INVALID_CLUSTER_POLICY_ENFORCED, containInvalidClusterPolicy } from '../view/clusterContainment.js';
import type { ModelData, Stored } from '../view/modelView.js';
import { ModelView } from '../view/modelView.js';
import { nodeRows } from '../view/nodes.js';
import { SINGULAR, parseResource, splitName } from './resources.js';
import type { Resource } from './resources.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json';

interface GetOptions {
  namespace: string;
  allNamespaces?: boolean;
  selector?: string;
  output: OutputFormat;
}

interface Query {
  resource: Resource;
  name: string | undefined;
  namespace: string | null;
  selector: SelectorExpr | null;
}

type Namespaced = { metadata: { namespace: string; name: string } };

const byNsName = (a: Stored<Namespaced>, b: Stored<Namespaced>): number =>
  a.value.metadata.namespace.localeCompare(b.value.metadata.namespace) ||
  a.value.metadata.name.localeCompare(b.value.metadata.name);
const byKey = (a: Stored<unknown>, b: Stored<unknown>): number => a.key.localeCompare(b.key);

/** Namespace, then name: the order of tables and of -o yaml|json. */
function filterNamespaced<T extends Namespaced>(items: Stored<T>[], q: Query, keep: (v: T) => boolean): Stored<T>[] {
  return [...items].sort(byNsName).filter(
    (s) =>
      (q.namespace === null || s.value.metadata.namespace === q.namespace) &&
      (q.name === undefined || s.value.metadata.name === q.name) &&
      keep(s.value),
  );
}

/** The stored objects the query names, plus a table renderer for them. */
interface Selection {
  count: number;
  raws: Stored<unknown>[];
  table: (f: OutputFormat, now: Date) => string;
}

function select(view: ModelView, q: Query): Selection {
  const sel = q.selector;
  const epMatches = (ep: Parameters<ModelView['labelsOf']>[0]): boolean => sel === null || matchSelector(sel, view.labelsOf(ep));
  const tableOpts = (f: OutputFormat, now: Date) => ({ wide: f === 'wide', allNamespaces: q.namespace === null, now });
  switch (q.resource) {
    case 'policies': {
      // -l on policies: those that apply to at least one endpoint the selector matches.
      const items = filterNamespaced(view.data.policies, q, (p) =>
        sel === null ? true : view.selectedBy(p).some(epMatches),
      );
      return { count: items.length, raws: items, table: (f, now) => policyTable(items.map((s) => s.value), tableOpts(f, now)) };
    }
    case 'clusterpolicies': {
      // Evaluation order: Admin before Baseline, then priority, then name.
      const rank = (s: Stored<ClusterPolicy>): number => (s.value.spec.tier === 'Admin' ? 0 : 1);
      const items = [...view.data.clusterPolicies]
        .sort((a, b) => rank(a) - rank(b) || compareClusterPolicies(a.value, b.value))
        .filter(
          (s) =>
            (q.name === undefined || s.value.metadata.name === q.name) &&
            (sel === null || view.selected(s.value.spec.selector).some(epMatches)),
        );
      return { count: items.length, raws: items, table: (f) => clusterPolicyTable(items.map((s) => s.value), { wide: f === 'wide' }) };
    }
    case 'endpoints': {
      const items = filterNamespaced(view.data.endpoints, q, epMatches);
      return { count: items.length, raws: items, table: (f, now) => endpointTable(items.map((s) => s.value), tableOpts(f, now)) };
    }
    case 'namespaces': {
      const items = [...view.data.namespaces].sort(byKey).filter(
        (s) => (q.name === undefined || s.value.metadata.name === q.name) && (sel === null || matchSelector(sel, s.value.spec.labels)),
      );
      return { count: items.length, raws: items, table: () => namespaceTable(items.map((s) => s.value)) };
    }
    case 'nodes': {
      // -l on nodes: those hosting at least one endpoint the selector matches.
      const hosting = new Set(view.endpoints.filter(epMatches).map((e) => e.spec.node));
      const rows = nodeRows(view.data).filter(
        (r) => (q.name === undefined || r.name === q.name) && (sel === null || hosting.has(r.name)),
      );
      const names = new Set(rows.map((r) => r.name));
      const raws = [...view.data.agents].sort(byKey).filter((a) => names.has(a.value.metadata.name));
      return { count: rows.length, raws, table: (_f, now) => nodeTable(rows, { now }) };
    }
  }
}

function notFound(q: Query, data: ModelData): PalisadeError {
  const what = SINGULAR[q.resource];
  const namespaced = q.resource === 'policies' || q.resource === 'endpoints';
  const missingAgent = q.resource === 'nodes' && data.endpoints.some((e) => e.value.spec.node === q.name);
  const detail = missingAgent ? ' has endpoints but no agent status (is its agent running?)' : ' not found';
  return new PalisadeError('NOT_FOUND', `${what} ${namespaced ? `${q.namespace ?? ''}/` : ''}${q.name ?? ''}${detail}`, {
    fields: { resource: q.resource, name: q.name },
  });
}

export function runGet(ctx: CliContext, data: ModelData, q: Query, format: OutputFormat): void {
  const view = new ModelView(data);
  const contained = new Map(view.contained.map((c) => [c.key, c]));
  for (const i of data.invalid) {
    const c = contained.get(i.key);
    const cnp = containInvalidClusterPolicy(i.key, i.error);
    const contains = c
      ? ` (the agents isolate every pod of namespace ${c.namespace} and allow nothing through it)`
      : cnp
        ? ` (${INVALID_CLUSTER_POLICY_ENFORCED})`
        : '';
    printWarning(ctx.out, `skipped invalid value at ${i.key}: ${i.error}${contains}`);
  }
  const { count, raws, table } = select(view, q);
  const asDocuments = format === 'yaml' || format === 'json';
  // A node without an agent has a table row (MISSING) but no stored object.
  if (q.name !== undefined && (asDocuments ? raws.length : count) === 0) throw notFound(q, data);
  if (asDocuments) {
    const texts = raws.map((s) => s.raw);
    if (texts.length === 0 && format === 'yaml') return;
    ctx.out.out(format === 'json' ? jsonDocuments(texts, q.name !== undefined) : yamlDocuments(texts));
    return;
  }
  if (count === 0) {
    const where = q.resource === 'policies' || q.resource === 'endpoints' ? (q.namespace === null ? '' : ` in ${q.namespace} namespace`) : '';
    printProgress(ctx.out, `No resources found${where}.`);
    return;
  }
  ctx.out.out(table(format, ctx.now()));
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .summary('list policies, cluster policies, endpoints, namespaces or nodes')
    .description('Print the objects stored in etcd, as a table or exactly as stored (-o yaml|json).')
    .argument(
      '<resource>',
      'policies|policy|pol, clusterpolicies|clusterpolicy|cnp, endpoints|endpoint|ep, namespaces|namespace|ns, nodes|node',
    )
    .argument('[name]', 'one object: <name>, or <namespace>/<name> for policies and endpoints')
    .option('-n, --namespace <ns>', 'the namespace of policies and endpoints', 'default')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-l, --selector <selector>', "a selector: app == 'web' && has(tier), or kubectl style app=web,tier!=db")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'wide', 'yaml', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Examples:
  palisadectl get policies -A                      # every policy, with its namespace
  palisadectl get pol deny-all -n shop -o yaml     # one policy exactly as stored in etcd
  palisadectl get endpoints -n shop -l app=web -o wide
  palisadectl get ep -A -l "ns:team == 'blue'"     # endpoints in namespaces labelled team=blue
  palisadectl get policies -A -l app=web           # policies that apply to app=web endpoints
  palisadectl get cnp -o wide                      # cluster policies in evaluation order
  palisadectl get clusterpolicy deny-x -o yaml     # one cluster policy exactly as stored
  palisadectl get nodes                            # agents: in sync? revision, lag, errors`,
    )
    .action(async (resourceArg: string, nameArg: string | undefined, opts: GetOptions, cmd: Command) => {
      const resource = parseResource(resourceArg);
      const namespaced = resource === 'policies' || resource === 'endpoints';
      const split = nameArg !== undefined && namespaced ? splitName(nameArg, opts.namespace) : null;
      if (opts.allNamespaces && nameArg !== undefined && split?.namespace === opts.namespace && !nameArg.includes('/'))
        throw new PalisadeError('INVALID_INPUT', 'a name cannot be combined with -A (use -n <namespace> or <namespace>/<name>)');
      const q: Query = {
        resource,
        name: split?.name ?? nameArg,
        namespace: namespaced ? (split ? split.namespace : opts.allNamespaces ? null : opts.namespace) : null,
        selector: opts.selector === undefined ? null : parseLabelSelectorArg(opts.selector),
      };
      await withSource(ctx, cmd, async (load) => runGet(ctx, await load(), q, opts.output));
    });
}
