/**
 * `--diff` shows values, as `pulumi` does: one small program (two no-op dynamic resources whose inputs come from a
 * JSON config value, plus a secret; one provider with `diff`, one without) updated under the real
 * `pulumi preview --diff` and under `qemu-lab preview --diff`, then drifted and refreshed with `refresh --diff` under
 * both; the property lines printed for each resource must be the same, line for line. The one deliberate
 * difference: a changed secret is `~ password: [secret] => [secret]` under qemu-lab, where pulumi, for a provider
 * with `diff` (it masks secrets before it diffs), shows it unchanged. No secret is ever printed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliPair } from "./cli-pair";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

const PROJECT = "diff-lab";
const TYPE = "pulumi-nodejs:dynamic/diff:Thing";
const PASSWORDS = ["pw-1d7e-first", "pw-9a3c-second"];

/**
 * `a` and `b` take the same inputs from config; `a`'s provider has a `diff` (pulumi then shows the unchanged
 * properties too), `b`'s has none (the engine diffs the inputs itself and shows the changed paths only). Read reports
 * what the drift file holds for a resource as changed outside Pulumi.
 */
const PROGRAM = `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const stable = (v) => JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== "__provider").sort()) : x));
const base = {
  async create(inputs) { return { id: "thing-" + inputs.name, outs: inputs }; },
  async read(id, props) {
    const file = process.env.DIFF_LAB_DRIFT;
    const drift = file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8"))[props.name] : undefined;
    return { id, props: { ...props, ...drift } };
  },
  async update(id, olds, news) { return { outs: news }; },
  async delete() {},
};
const withDiff = { ...base, async diff(id, olds, news) { return { changes: stable(olds) !== stable(news) }; } };
class WithDiff extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(withDiff, name, args, opts, "diff", "Thing"); }
}
class NoDiff extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(base, name, args, opts, "diff", "Thing"); }
}
const config = new pulumi.Config();
const inputs = (name) => ({ name, ...JSON.parse(config.require("spec")), password: config.requireSecret("password") });
new WithDiff("a", inputs("a"));
new NoDiff("b", inputs("b"));
`;

const V1 = {
  label: "one",
  count: 1,
  flag: true,
  gone: "bye",
  tags: { a: "1", b: "2" },
  list: ["x", "y"],
  nested: { deep: { v: 1 } },
  json: '{"a":1,"b":[1,2]}',
  script: "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\n",
};
const V2 = {
  label: "two",
  count: 2.5,
  flag: true,
  added: { k: ["v"] },
  tags: { a: "1", c: "3" },
  list: ["x", "z", "w"],
  nested: { deep: { v: 2, w: 3 } },
  json: '{"a":2,"b":[1,2,3]}',
  script: "line 1\nline 2\nline 3\nline four\nline 5\nline 6\nline 7\n",
};

/** pulumi's property lines of a resource in a `--diff` transcript: after its `[urn=…]` line, up to the next resource. */
function pulumiLines(out: string, urn: string): string[] {
  const lines = out.split("\n");
  const start = lines.indexOf(`        [urn=${urn}]`);
  if (start < 0) throw new Error(`no ${urn} in pulumi's output:\n${out}`);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,4}\S/.test(line) || line.includes("--outputs:--")) break;
    block.push(line);
  }
  return normalised(block);
}

/** qemu-lab's property lines of a resource: under its step line in "Property changes:", up to the next step line. */
function labLines(out: string, name: string): string[] {
  const lines = out.slice(out.indexOf("\nProperty changes:\n")).split("\n");
  const start = lines.findIndex((l) => new RegExp(`^ \\S+ +${TYPE} ${name} `).test(l));
  if (start < 0) throw new Error(`no step of ${name} in qemu-lab's output:\n${out}`);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^ \S/.test(line)) break;
    block.push(line);
  }
  return normalised(block);
}

/** Colour codes and trailing blanks removed, trailing empty lines dropped. */
function normalised(lines: string[]): string[] {
  const out = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trimEnd());
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

describe("--diff shows values like pulumi's (real CLI and qemu-lab, one program)", () => {
  const step = steps();
  const drift = path.join(os.tmpdir(), `diff-lab-drift-${process.pid}.json`);
  const pair = new CliPair(PROJECT, PROGRAM, "diff passphrase", { DIFF_LAB_DRIFT: drift });
  const urn = (name: string) => `urn:pulumi:dev::${PROJECT}::${TYPE}::${name}`;
  afterAll(() => {
    pair.cleanup();
    fs.rmSync(drift, { force: true });
  });

  step("both CLIs create the stack", async () => {
    await pair.init("dev", { spec: JSON.stringify(V1) }, { password: PASSWORDS[0]! });
    await pair.ok("pulumi", "up", "--yes", "--skip-preview");
    await pair.ok("qemu-lab", "up", "--yes");
  });

  step("preview --diff of an update: the same property lines, old and new values", async () => {
    await pair.config({ spec: JSON.stringify(V2) }, { password: PASSWORDS[1]! });
    const out = await pair.both("preview", "--diff");
    const theirs = { a: pulumiLines(out.pulumi, urn("a")), b: pulumiLines(out.pulumi, urn("b")) };
    const ours = { a: labLines(out["qemu-lab"], "a"), b: labLines(out["qemu-lab"], "b") };
    // Spot checks, so that the comparisons below cannot pass on empty lists: `a` shows unchanged properties, `b` not.
    expect(theirs.a).toEqual(expect.arrayContaining(['      ~ label   : "one" => "two"', "      ~ count   : 1 => 2.5", '            [0]: "x"', '          + [2]: "w"']));
    expect(theirs.b).toEqual(expect.arrayContaining(['      ~ label   : "one" => "two"', '          + [2]: "w"', "      ~ password: [secret] => [secret]"]));
    expect(theirs.b).not.toContain('            [0]: "x"');
    expect(ours.b).toEqual(theirs.b);
    // The one deliberate difference: pulumi (a provider with `diff`) shows the changed secret as unchanged.
    expect(theirs.a).toContain("        password: [secret]");
    expect(ours.a).toContain("      ~ password: [secret] => [secret]");
    expect(ours.a.map((l) => (l === "      ~ password: [secret] => [secret]" ? "        password: [secret]" : l))).toEqual(theirs.a);
  });

  step("preview --json: the step's diff carries the values, the secret masked", async () => {
    const result = JSON.parse(await pair.ok("qemu-lab", "preview", "--json")) as { steps: { name: string; detailedDiff?: { updates: string[]; old: Record<string, unknown>; new: Record<string, unknown> } }[] };
    const a = result.steps.find((s) => s.name === "a")?.detailedDiff;
    expect(a?.updates).toEqual(expect.arrayContaining(["label", "password"]));
    expect([a?.old.label, a?.new.label, a?.old.password, a?.new.password]).toEqual(["one", "two", "[secret]", "[secret]"]);
  });

  step("refresh --diff of drift: the same property lines", async () => {
    await pair.ok("pulumi", "up", "--yes", "--skip-preview");
    await pair.ok("qemu-lab", "up", "--yes");
    // Only `a`: for a provider without `diff` the engine finds no drift when Read returns no inputs.
    fs.writeFileSync(drift, JSON.stringify({ a: { label: "changed by hand", tags: { a: "9", c: "3" } } }));
    const theirs = pulumiLines(await pair.ok("pulumi", "refresh", "--diff", "--yes", "--skip-preview"), urn("a"));
    const ours = labLines(await pair.ok("qemu-lab", "refresh", "--diff", "--yes"), "a");
    expect(theirs).toEqual(expect.arrayContaining(['      ~ label   : "two" => "changed by hand"', '          ~ a: "1" => "9"', '        name    : "a"']));
    expect(ours).toEqual(theirs);
  });

  step("no password was ever printed by either CLI", () => {
    for (const text of pair.transcripts) for (const pw of PASSWORDS) expect(text).not.toContain(pw);
  });
});
