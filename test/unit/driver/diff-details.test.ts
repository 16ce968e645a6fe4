/**
 * What `--diff` and `--json` print from a result's steps (the values a step's diff carries, secrets masked), and the
 * `additionalSecretOutputs` rule applied to a step's outputs.
 */
import { formatDetails, jsonResult } from "../../../cli/operation-command";
import { markSecretOutputs } from "../../../driver/deployment";
import { diffProperties, displayDiff } from "../../../driver/property-diff";
import { makeSecret } from "../../../driver/checkpoint";
import type { OperationResult, StepResult } from "../../../driver";

const TYPE = "pulumi-nodejs:dynamic/lab:Thing";

function result(kind: OperationResult["kind"], steps: StepResult[]): OperationResult {
  return { kind, steps, outputs: {}, summary: {}, diagnostics: [], durationMs: 0 };
}

function step(name: string, op: StepResult["op"], old: Record<string, unknown>, next: Record<string, unknown>, replaceKeys: string[] = []): StepResult {
  const detailedDiff = op === "refresh" ? diffProperties(old, next, ["__provider"]) : displayDiff(old, next);
  return { urn: `urn:pulumi:dev::lab::${TYPE}::${name}`, type: TYPE, name, op, custom: true, diffs: [], detailedDiff, replaceKeys };
}

describe("formatDetails (--diff, and 'details' at the prompt)", () => {
  it("an update and a replace of a preview: the step line, then old and new values; unchanged steps left out", () => {
    const text = formatDetails(
      result("preview", [
        step("a", "update", { __provider: "p", label: "one", password: makeSecret("pw-old-1"), tags: { a: "1" } }, { __provider: "p", label: "two", password: makeSecret("pw-new-2"), tags: { a: "2" } }),
        step("b", "replace", { key: "k", n: 1 }, { key: "k2", n: 1 }, ["key"]),
        { ...step("c", "same", {}, {}), detailedDiff: undefined },
      ]),
    );
    expect(text).toBe(
      [
        ` ~  ${TYPE} a update [diff: ~label,password,tags]`,
        '      ~ label   : "one" => "two"',
        "      ~ password: [secret] => [secret]",
        "      ~ tags    : {",
        '          ~ a: "1" => "2"',
        "        }",
        ` +- ${TYPE} b replace [diff: ~key] [replace: key]`,
        '      ~ key: "k" => "k2" (forces replacement)',
        "        n  : 1",
        "",
      ].join("\n"),
    );
    expect(text).not.toMatch(/pw-/);
  });

  it("a refresh: the drift of the outputs, the same way", () => {
    const text = formatDetails(result("refresh", [step("a", "refresh", { __provider: "p", keep: "same", label: "one", tags: { a: "1" } }, { keep: "same", label: "drifted", tags: { a: "2", b: "3" } })]));
    expect(text).toBe(
      [
        ` ~  ${TYPE} a updated [diff: ~label,tags]`,
        '        keep : "same"',
        '      ~ label: "one" => "drifted"',
        "      ~ tags : {",
        '          ~ a: "1" => "2"',
        '          + b: "3"',
        "        }",
        "",
      ].join("\n"),
    );
  });
});

describe("jsonResult: a step's diff carries the old and new values", () => {
  it("the existing fields unchanged, old/new added, internal keys left out, secrets masked", () => {
    const a = step("a", "update", { __provider: "p", label: "one", password: makeSecret("pw-old-1") }, { __provider: "p", label: "two", password: makeSecret("pw-new-2") });
    const json = jsonResult(result("preview", [a]));
    expect(json).not.toMatch(/pw-/);
    const parsed = JSON.parse(json) as { steps: { detailedDiff: unknown }[] };
    expect(parsed.steps[0]!.detailedDiff).toEqual({
      adds: [],
      deletes: [],
      updates: ["label", "password"],
      old: { label: "one", password: "[secret]" },
      new: { label: "two", password: "[secret]" },
    });
  });
});

describe("markSecretOutputs: additionalSecretOutputs on a step's outputs (step_executor.go:518-545)", () => {
  test.each<[string, Record<string, unknown>, string[], Record<string, unknown>]>([
    ["named outputs become secrets", { token: "t1", label: "l" }, ["token"], { token: makeSecret("t1"), label: "l" }],
    ["already secret: unchanged", { token: makeSecret("t1") }, ["token"], { token: makeSecret("t1") }],
    ["objects and null too", { cfg: { a: [1] }, nothing: null }, ["cfg", "nothing"], { cfg: makeSecret({ a: [1] }), nothing: makeSecret(null) }],
    ["names not present are ignored", { label: "l" }, ["missing"], { label: "l" }],
    ["never `id`", { id: "i-1" }, ["id"], { id: "i-1" }],
  ])("%s", (_name, outputs, names, expected) => {
    const before = JSON.stringify(outputs);
    expect(markSecretOutputs(outputs, names)).toEqual(expected);
    expect(JSON.stringify(outputs)).toBe(before); // a copy: the provider's answer is left as it was
  });
});
