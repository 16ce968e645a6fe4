/**
 * Names are data, never syntax: each format's escaping exactly, and states whose names try to break out of a Mermaid
 * label (`"]; click x call alert(1)`), a DOT string, or the HTML page's data block. Every line of the text formats must
 * still be one of the statements the renderer writes, and each label must read back as the name.
 */
import type { ResourceState, StackState } from "../../../driver/types";
import { buildLabGraph, renderGraph } from "../../../cli/graph";
import { dotText } from "../../../cli/graph/dot";
import { htmlText, jsonForScript } from "../../../cli/graph/html";
import { mermaidText } from "../../../cli/graph/mermaid";
import { redactSecrets } from "../../../cli/graph/properties";

test.each([
  ["plain br0 10.0.0.1/24", "plain br0 10.0.0.1/24"],
  ['"]; click x call alert(1)', "#34;#93;#59; click x call alert(1)"],
  ["a#quot;b", "a#35;quot#59;b"],
  ["<img src=x onerror=alert(1)>", "#60;img src=x onerror=alert(1)#62;"],
  ["`**md**`", "#96;**md**#96;"],
  ["%%{init: {}}%%", "#37;#37;#123;init: #123;#125;#125;#37;#37;"],
  ["x|y[z]{w}'v\\u&t", "x#124;y#91;z#93;#123;w#125;#39;v#92;u#38;t"],
  ["line1\nclick n0 call alert(1)", "line1\ufffdclick n0 call alert(1)"],
  ["sep\u2028x\r\u0000", "sep\ufffdx\ufffd\ufffd"],
  ["tcp *:8080 → 192.168.122.10:80 · é", "tcp *:8080 → 192.168.122.10:80 · é"],
])("mermaidText(%j) = %j", (input, expected) => {
  expect(mermaidText(input)).toBe(expected);
});

test.each([
  ["plain", "plain"],
  ['a"b', 'a\\"b'],
  ['"]; x -> y [label="pwn', '\\"]; x -> y [label=\\"pwn'],
  ["back\\slash \\N \\G", "back\\\\slash \\\\N \\\\G"],
  ["two\nlines", "two\ufffdlines"],
  ["<b>html</b>", "<b>html</b>"], // a quoted string is never an HTML-like label
])("dotText(%j) = %j", (input, expected) => {
  expect(dotText(input)).toBe(expected);
});

test.each([
  [{ a: "</script><script>alert(1)</script>" }, '{"a":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}'],
  [{ a: "<!--", b: "&amp;" }, '{"a":"\\u003c!--","b":"\\u0026amp;"}'],
  [["\u2028\u2029"], '["\\u2028\\u2029"]'],
])("jsonForScript(%j) = %s, and parses back", (input, expected) => {
  expect(jsonForScript(input)).toBe(expected);
  expect(JSON.parse(jsonForScript(input))).toEqual(input);
});

test.each([
  ["lab/dev", "lab/dev"],
  [`<script>"'&`, "&#60;script&#62;&#34;&#39;&#38;"],
])("htmlText(%j) = %j", (input, expected) => {
  expect(htmlText(input)).toBe(expected);
});

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

test.each([
  ["in-memory", { [SIG]: SECRET, value: "pw" }],
  ["checkpoint", { [SIG]: SECRET, ciphertext: "v1:pw" }],
  ["exported with --show-secrets", { [SIG]: SECRET, plaintext: '"pw"' }],
])("a secret in its %s form is [secret], at any depth", (_form, s) => {
  expect(redactSecrets(s)).toBe("[secret]");
  expect(redactSecrets({ a: [{ b: s }], c: 1 })).toEqual({ a: [{ b: "[secret]" }], c: 1 });
});

const HOSTILE = [
  '"]; click x call alert(1)',
  'x"] --> y["z',
  "a\nclick n0 call alert(1)\n",
  "<img src=x onerror=alert(1)>",
  "</script><script>alert(1)</script>",
  "%%{init: {\"securityLevel\": \"loose\"}}%%",
  '\\"]; n1 -> n2 [label="x',
  "end",
  "#quot;]; click",
];

/** A state where every name the graph shows is `name` (as a hand-edited state could have it), and one secret name. */
function hostileState(name: string): StackState {
  const dyn = (kind: string) => `pulumi-nodejs:dynamic/qemu-lab:${kind}`;
  const r = (kind: string, rname: string, outputs: Record<string, unknown>, parent?: string): ResourceState => ({
    urn: `urn:pulumi:dev::lab::${parent ? "qemu-lab:index:NatNetwork$" : ""}${dyn(kind)}::${rname}`,
    type: dyn(kind),
    custom: true,
    id: "x",
    inputs: {},
    outputs,
    parent,
    dependencies: [],
    propertyDependencies: {},
  });
  const group = `urn:pulumi:dev::lab::qemu-lab:index:NatNetwork::${name}`;
  const host = { netns: name };
  return {
    version: 1,
    project: name,
    stack: name,
    resources: [
      { urn: group, type: "qemu-lab:index:NatNetwork", custom: false, inputs: {}, outputs: {}, dependencies: [], propertyDependencies: {} },
      r("NetworkNamespace", "ns", { name }),
      r("Bridge", "br", { name, addresses: [name], host }, group),
      r("Bridge", "secret-br", { name: { [SIG]: SECRET, value: "SECRET-BRIDGE-NAME" }, host }),
      r("QemuVm", "vm", { name, status: name, nics: [{ type: "bridge", id: name, bridge: name, mac: name }], host }),
      r("DhcpServer", "dhcp", { name, bridge: name, range: { start: name, end: name }, staticLeases: [{ mac: name, ip: name, hostname: name }], host }, group),
      r("NetworkNat", "nat", { name, sourceCidr: name, outInterface: name, forwards: [{ protocol: name, hostPort: 1, toAddress: name, toPort: 2 }], host }, group),
      r("PortForward", "pf", { vm: name, netdev: name, protocol: "tcp", hostAddress: name, hostPort: 3, guestPort: 4, host }),
      r("BridgeAcl", "acl", { name, bridge: name, action: name, host }, group),
      r("VethPair", "veth", { name, peerName: `${name}2`, host }),
      r("PhysicalPortAttachment", "port", { bridge: name, port: `${name}3`, host }),
    ],
  };
}

/** Every statement renderMermaid writes; a label is `"` + anything but `"` + `"`. */
const LABEL = '"[^"\\n]*"';
const MERMAID_LINE = new RegExp(
  [
    "^flowchart LR$",
    `^ *subgraph n\\d+\\[${LABEL}\\]$`,
    "^ *end$",
    `^ *n\\d+(\\{\\{${LABEL}\\}\\}|\\(\\(${LABEL}\\)\\)|\\[\\[${LABEL}\\]\\]|\\[\\(${LABEL}\\)\\]|\\[/${LABEL}/\\]|\\(\\[${LABEL}\\]\\)|\\[${LABEL}\\]|>${LABEL}\\])$`,
    `^  n\\d+ (---|-->|-\\.-|-\\.->)(\\|${LABEL}\\|)? n\\d+$`,
    "^  classDef [a-z]+ [a-z0-9:#,. -]+$",
    "^  class n\\d+(,n\\d+)* [a-z]+$",
  ].join("|"),
);

/** Every statement renderDot writes; a quoted string is `"` + (escaped char | anything but `"` and `\`) + `"`. */
const QUOTED = '"(?:\\\\.|[^"\\\\\\n])*"';
const DOT_LINE = new RegExp(
  [
    "^digraph qemu_lab \\{$",
    `^  graph \\[rankdir=LR, compound=true, fontname="Helvetica", labelloc=t, label=${QUOTED}\\];$`,
    '^  (node|edge) \\[fontname="Helvetica", fontsize=\\d+\\];$',
    "^ *subgraph cluster_n\\d+ \\{$",
    `^ *graph \\[label=${QUOTED}, style="[a-z,]+", (color=gray50|fillcolor="#[0-9a-f]+", color="#[0-9a-f]+")\\];$`,
    "^ *n\\d+_empty \\[shape=point, style=invis\\];$",
    `^ *n\\d+ \\[label=${QUOTED}, shape=[a-z0-9]+, style="[a-z,]+", fillcolor="#[0-9a-f]+"(, color=gray40)?\\];$`,
    `^  n\\d+ -> n\\d+( \\[(label=${QUOTED})?(, )?([a-z]+=[a-z]+(, )?)*\\])?;$`,
    "^ *\\}$",
  ].join("|"),
);

/** A Mermaid label read back: entity codes decoded, our `<br/>` as line breaks. */
const readMermaid = (label: string) => label.split("<br/>").map((l) => l.replace(/#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))));
/** A DOT label read back. */
const readDot = (label: string) => label.split(/(?<!\\)\\n/).map((l) => l.replace(/\\(.)/g, "$1"));

describe.each(HOSTILE)("a state whose names are %j", (name) => {
  const state = hostileState(name);
  const graph = buildLabGraph(state);
  const shown = (s: string) => s.replace(/[\n\r\u2028\u2029]/g, "\ufffd");

  test("Mermaid: every line is one of ours, and every label reads back as the name", () => {
    const text = renderGraph(state, "mermaid");
    const bad = text.trimEnd().split("\n").filter((l) => !MERMAID_LINE.test(l));
    expect(bad).toEqual([]);
    expect(text).not.toMatch(/^\s*click\b/m);
    const labels = [...text.matchAll(/"([^"]*)"/g)].map((m) => readMermaid(m[1]!));
    const expected = [...graph.nodes.map((n) => n.label), ...graph.edges.filter((e) => e.label !== undefined).map((e) => [e.label!])].map((l) => l.map(shown));
    expect(labels.sort()).toEqual(expected.sort());
    expect(labels.flat().some((l) => l.includes(shown(name)))).toBe(true);
  });

  test("DOT: every line is one of ours, and every label reads back as the name", () => {
    const text = renderGraph(state, "dot");
    const bad = text.trimEnd().split("\n").filter((l) => !DOT_LINE.test(l));
    expect(bad).toEqual([]);
    const labels = [...text.matchAll(/label=("(?:\\.|[^"\\])*")/g)].map((m) => readDot(m[1]!.slice(1, -1)));
    const expected = [[`qemu-lab ${state.project}/${state.stack}`], ...graph.nodes.map((n) => n.label), ...graph.edges.filter((e) => e.label !== undefined).map((e) => [e.label!])].map((l) => l.map(shown));
    expect(labels.sort()).toEqual(expected.sort());
  });

  test("HTML: the names stay inside the JSON data block, which parses back to the graph", () => {
    const html = renderGraph(state, "html");
    const blocks = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(blocks).toEqual([' type="application/json" id="qemu-lab-graph-data"', "", ""]);
    const m = /<script type="application\/json" id="qemu-lab-graph-data">([^<]*)<\/script>/.exec(html)!;
    const data = JSON.parse(m[1]!);
    expect(data.nodes.map((n: { id: string; label: string[] }) => [n.id, n.label])).toEqual(graph.nodes.map((n) => [n.id, n.label]));
    const outside = html.replace(m[0], "");
    if (/[<>&"']/.test(name)) expect(outside).not.toContain(name); // the title is HTML-escaped
  });

  test("a secret name shows as [secret]", () => {
    for (const format of ["mermaid", "dot", "html"] as const) expect(renderGraph(state, format)).not.toContain("SECRET-BRIDGE-NAME");
    expect(graph.nodes.some((n) => n.label[0] === "bridge [secret]")).toBe(true);
  });
});
