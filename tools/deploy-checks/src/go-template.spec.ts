import { formatNumber, TemplateSet } from './lib/go-template';

/** The renderer must behave like Go's text/template where the chart relies on it. */
function render(src: string, data: unknown, helpers = ''): string {
  const set = new TemplateSet();
  if (helpers) set.add('_helpers.tpl', helpers);
  set.add('t', src);
  return set.render('t', data);
}

describe('go-template renderer', () => {
  it('trims whitespace at {{- and -}} but keeps it otherwise', () => {
    expect(render('a  {{- "b" -}}  c', {})).toBe('abc');
    expect(render('a  {{ "b" }}  c', {})).toBe('a  b  c');
    expect(render('x:\n  {{- /* gone */}}\ny', {})).toBe('x:\ny');
    // "{{-3}}" is the number -3, not a trim marker.
    expect(render('a {{-3}}', {})).toBe('a -3');
  });

  it('reads fields, prints missing keys as nothing and fails on a field of nil', () => {
    expect(render('{{ .a.b }}|{{ .a.missing }}|', { a: { b: 'x' } })).toBe('x||');
    expect(() => render('{{ .nope.deeper }}', {})).toThrow(/nil pointer evaluating .nope.deeper/);
  });

  it('ranges over maps in key order, with $key, $value and $ as the root', () => {
    const out = render('{{- range $k, $v := .m }}{{ $k }}={{ $v }}{{ $.sep }}{{ end }}', { m: { b: 2, a: 1, c: 3 }, sep: ';' });
    expect(out).toBe('a=1;b=2;c=3;');
    expect(render('{{ range .l }}[{{ . }}]{{ else }}none{{ end }}', { l: [] })).toBe('none');
    expect(render('{{ range $i, $x := .l }}{{ $i }}{{ $x }}{{ end }}', { l: ['a', 'b'] })).toBe('0a1b');
  });

  it('follows Go truthiness in if / else if / else and with', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    expect(render(t, { a: 'x' })).toBe('A');
    expect(render(t, { a: '', b: [1] })).toBe('B');
    expect(render(t, { a: 0, b: {} })).toBe('C');
    expect(render('{{ with .m }}{{ .k }}{{ else }}empty{{ end }}', { m: { k: 'v' } })).toBe('v');
    expect(render('{{ with .m }}{{ .k }}{{ else }}empty{{ end }}', { m: {} })).toBe('empty');
  });

  it('scopes variables to their block and lets = assign an outer one', () => {
    expect(render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ $y := "c" }}{{ end }}{{ $x }}', {})).toBe('b');
    expect(() => render('{{ if true }}{{ $y := "c" }}{{ end }}{{ $y }}', {})).toThrow(/undefined variable "\$y"/);
  });

  it('includes defines with their own $ and pipes the result', () => {
    const helpers = '{{- define "lbl" -}}\nname: {{ .name }}\nroot: {{ $.name }}\n{{- end -}}';
    expect(render('m:\n  {{- include "lbl" (dict "name" "x") | nindent 2 }}', {}, helpers)).toBe('m:\n  name: x\n  root: x');
    expect(render('{{ include "lbl" (dict "name" "y") | indent 4 }}', {}, helpers)).toBe('    name: y\n    root: y');
  });

  it('implements the Sprig functions the chart uses', () => {
    expect(render('{{ default "d" .x }}|{{ default "d" "v" }}|{{ .x | default "p" }}', {})).toBe('d|v|p');
    expect(render('{{ "abcdef-" | trunc 4 }}|{{ "ab-" | trimSuffix "-" }}|{{ "a+b" | replace "+" "_" }}', {})).toBe('abcd|ab|a_b');
    expect(render('{{ printf "%s-%s" "a" "b" }}|{{ print "x" "/y" }}|{{ 3001 | quote }}|{{ "v" | quote }}', {})).toBe('a-b|x/y|"3001"|"v"');
    expect(render('{{ has "b" .l }}{{ has "z" .l }}|{{ contains "ar" "parley" }}|{{ join ", " .l }}', { l: ['a', 'b'] })).toBe('truefalse|true|a, b');
    expect(render('{{ "hi" | b64enc }}|{{ "" | sha256sum | trunc 8 }}', {})).toBe('aGk=|e3b0c442');
    expect(render('{{ ternary "y" "n" (ne .s "") }}{{ ternary "y" "n" (eq .s "") }}', { s: '' })).toBe('ny');
    expect(render('{{ and .a .b }}|{{ or .a .b }}|{{ not .a }}', { a: '', b: 'B' })).toBe('|B|true');
    expect(render('{{ index .m "chat-gateway" "port" }}|{{ first .l }}', { m: { 'chat-gateway': { port: 3000 } }, l: ['f', 'g'] })).toBe('3000|f');
    expect(render('{{ toYaml .m }}', { m: { b: [1, 'two'], a: { c: true } } })).toBe('a:\n  c: true\nb:\n  - 1\n  - two');
    expect(render('{{ toYaml (merge (dict) .a .b) }}', { a: { x: 1 }, b: { x: 2, z: 3 } })).toBe('x: 1\nz: 3');
  });

  it('fails as Helm does: required, fail, unknown functions, comparing different types', () => {
    expect(() => render('{{ required "url is required" .url }}', { url: '' })).toThrow(/url is required/);
    expect(() => render('{{ fail "no" }}', {})).toThrow(/no/);
    expect(() => render('{{ .x | frobnicate }}', { x: 1 })).toThrow(/function "frobnicate" not defined/);
    expect(() => render('{{ eq .n "1" }}', { n: 1 })).toThrow(/incompatible types/);
    expect(() => render('{{ if .a }}x', { a: 1 })).toThrow(/unclosed block/);
  });

  it('prints numbers as Go prints a float64', () => {
    expect(formatNumber(3001)).toBe('3001');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(600000)).toBe('600000');
    expect(formatNumber(1000000)).toBe('1e+06');
    expect(formatNumber(1234567)).toBe('1.234567e+06');
    expect(render('{{ .n }}', { n: 2000000 })).toBe('2e+06');
  });
});
