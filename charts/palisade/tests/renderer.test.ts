/**
 * The builtin renderer implements the Go-template subset documented in
 * charts/palisade/README.md with Helm's semantics, and refuses everything else, so the
 * chart can't drift outside what these tests can check without helm.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChart } from '../../tools/chart.js';
import { renderNodes } from '../../tools/goTemplate/evaluate.js';
import { FUNCTIONS, parseTemplate } from '../../tools/goTemplate/parse.js';
import { CHART_DIR } from './helpers.js';

const VALUES = {
  name: 'web',
  port: 9091,
  big: 1000000,
  zero: 0,
  empty: '',
  on: true,
  off: false,
  list: ['a', 'b'],
  map: { b: 2, a: 1 },
  nested: { inner: { x: 'y' } },
  res: { requests: { cpu: '50m' }, tolerations: [{ operator: 'Exists' }] },
};

function run(src: string, defines = ''): string {
  const parsed = parseTemplate(defines + src, 'test.tpl');
  const root = { Values: VALUES, Release: { Name: 'rel', Namespace: 'ns' } };
  return renderNodes(parsed.nodes, root, {
    root,
    defines: parsed.defines,
    file: 'test.tpl',
    depth: 0,
  });
}

describe('Go-template subset: rendering', () => {
  it.each([
    ['field', '{{ .Values.name }}', 'web'],
    [
      'root from inside with',
      '{{ with .Values.nested }}{{ $.Release.Name }}/{{ .inner.x }}{{ end }}',
      'rel/y',
    ],
    ['missing key prints nothing', '[{{ .Values.nope }}]', '[]'],
    ['integer', '{{ .Values.port }}', '9091'],
    ['trim left and right', 'a  \n  {{- .Values.name -}}  \n  b', 'awebb'],
    ['comment', 'a{{/* note */}}b{{- /* trimmed */ -}} c', 'abc'],
    [
      'if/else if/else',
      '{{ if .Values.off }}1{{ else if .Values.zero }}2{{ else }}3{{ end }}',
      '3',
    ],
    [
      'empty list and map are false',
      '{{ if .Values.nope }}x{{ else }}y{{ end }}{{ if .Values.list }}z{{ end }}',
      'yz',
    ],
    ['with else', '{{ with .Values.empty }}x{{ else }}none{{ end }}', 'none'],
    ['range list', '{{ range .Values.list }}<{{ . }}>{{ end }}', '<a><b>'],
    ['range map by sorted key', '{{ range .Values.map }}{{ . }}{{ end }}', '12'],
    ['range else', '{{ range .Values.nope }}x{{ else }}none{{ end }}', 'none'],
    ['include and define', '{{ include "greet" .Values }}', 'hi web'],
    [
      'toYaml sorts keys and does not indent lists',
      '{{ toYaml .Values.res }}',
      'requests:\n  cpu: 50m\ntolerations:\n- operator: Exists',
    ],
    ['toYaml | nindent', 'x:{{ toYaml .Values.map | nindent 2 }}', 'x:\n  a: 1\n  b: 2'],
    ['indent', '{{ indent 2 "a\\nb" }}', '  a\n  b'],
    ['quote', '{{ quote .Values.name }} {{ .Values.port | quote }}', '"web" "9091"'],
    [
      'default of an empty value',
      '{{ .Values.empty | default "d" }} {{ .Values.zero | default "z" }} {{ .Values.name | default "d" }}',
      'd z web',
    ],
    ['printf', '{{ printf "%s-%v" .Values.name .Values.port }}', 'web-9091'],
    [
      'eq with several',
      '{{ eq .Values.name "x" "web" }} {{ ne .Values.name "web" }}',
      'true false',
    ],
    [
      'and/or return operands',
      '{{ or .Values.empty .Values.name }} {{ and .Values.name .Values.zero }}',
      'web 0',
    ],
    ['not', '{{ not .Values.off }}', 'true'],
    ['parenthesised pipeline', '{{ if and .Values.on (eq .Values.name "web") }}ok{{ end }}', 'ok'],
    ['join', '{{ join "," .Values.list }}', 'a,b'],
    ['trunc and trimSuffix', '{{ "abcdef-" | trunc 7 | trimSuffix "-" }}', 'abcdef'],
    ['required with a value', '{{ required "need name" .Values.name }}', 'web'],
  ])('%s', (_name, src, expected) => {
    expect(run(src, '{{- define "greet" -}}hi {{ .name }}{{- end -}}')).toBe(expected);
  });
});

describe('Go-template subset: render-time errors match Helm failures', () => {
  it.each([
    [
      'field of a missing value',
      '{{ .Values.nope.x }}',
      /nil pointer evaluating \.Values\.nope\.x/,
    ],
    ['printing a map', '{{ .Values.map }}', /cannot print a map/],
    ['a number Helm prints as 1e+06', '{{ .Values.big }}', /exponent form/],
    ['printf %s of a number', '{{ printf "%s" .Values.port }}', /printf %s needs a string/],
    ['printf %d (values are float64 in Helm)', '{{ printf "%d" .Values.port }}', /only %s, %v, %q/],
    [
      'comparing a string with a number',
      '{{ eq .Values.name .Values.port }}',
      /incompatible types/,
    ],
    [
      'required',
      '{{ required "etcd.endpoints is required" .Values.empty }}',
      /^etcd\.endpoints is required$/,
    ],
    ['fail', '{{ fail "no" }}', /^no$/],
    ['an undefined template', '{{ include "nope" . }}', /no template named "nope"/],
  ])('%s', (_name, src, expected) => {
    expect(() => run(src)).toThrow(expected);
  });
});

describe('Go-template subset: constructs outside it are parse errors', () => {
  it.each([
    ['variables', '{{ $x := .Values.name }}{{ $x }}'],
    ['range with variables', '{{ range $i, $v := .Values.list }}{{ end }}'],
    ['template', '{{ template "greet" . }}'],
    ['block', '{{ block "b" . }}{{ end }}'],
    ['an unknown function', '{{ .Values.name | upper }}'],
    ['tpl', '{{ tpl .Values.name . }}'],
    ['lookup', '{{ lookup "v1" "Secret" "ns" "x" }}'],
    [
      'eq with a numeric literal (float64 vs int in Helm)',
      '{{ if eq .Values.port 9091 }}{{ end }}',
    ],
    ['a value with arguments', '{{ .Values.name "x" }}'],
    ['an unclosed block', '{{ if .Values.on }}x'],
    ['a stray end', '{{ end }}'],
    ['else outside a block', '{{ else }}'],
  ])('%s', (_name, src) => {
    expect(() => parseTemplate(src, 'test.tpl')).toThrow(
      /outside the supported subset|else|end|unclosed|only a function/,
    );
  });

  it('the chart parses under the subset, every branch included', () => {
    const { files, defines } = parseChart(CHART_DIR);
    expect(files.size).toBeGreaterThan(10);
    expect([...defines.keys()]).toContain('palisade.fullname');
  });

  it('the README lists exactly the functions the renderer implements', () => {
    const readme = readFileSync(path.join(CHART_DIR, 'README.md'), 'utf8');
    const section = readme.split('## Template subset')[1]?.split('\n## ')[0] ?? '';
    const listed = [...section.matchAll(/^\| `([a-zA-Z]+)`/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...FUNCTIONS].sort());
  });
});
