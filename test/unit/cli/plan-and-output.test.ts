/** Pure formatting: the plan of a destroy/refresh from state, the "details" text, pulumi's outputs table, export --show-secrets. */
import { formatDetails, jsonResult, statePlan } from "../../../cli/operation-command";
import { formatOutputs, showSecrets } from "../../../cli/stack-command";
import { SECRET_SIG, SIG_KEY } from "../../../driver/checkpoint";
import type { OperationResult, ResourceState, StackState } from "../../../driver";

const res = (name: string, type: string, extra: Partial<ResourceState> = {}): ResourceState => ({
  urn: `urn:pulumi:dev::lab::${type}::${name}`,
  type,
  custom: type !== "pulumi:pulumi:Stack",
  id: type !== "pulumi:pulumi:Stack" ? `${name}-1` : undefined,
  inputs: {},
  outputs: {},
  dependencies: [],
  propertyDependencies: {},
  ...extra,
});

const state: StackState = {
  version: 1,
  project: "lab",
  stack: "dev",
  resources: [res("lab-dev", "pulumi:pulumi:Stack"), res("a", "files:index:FileObject"), res("b", "files:index:FileObject", { dependencies: ["x"] })],
};

describe("statePlan", () => {
  it("destroy: every resource deleted, dependents first", () => {
    const plan = statePlan("destroy", state);
    expect(plan.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["delete b", "delete a", "delete lab-dev"]);
    expect(plan.summary).toEqual({ delete: 3 });
  });

  it("refresh: every live resource read; pending deletes are left out", () => {
    const plan = statePlan("refresh", { ...state, resources: [...state.resources, res("old", "files:index:FileObject", { delete: true })] });
    expect(plan.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["refresh lab-dev", "refresh a", "refresh b"]);
  });

  it("an empty stack plans nothing", () => expect(statePlan("destroy", { ...state, resources: [] }).summary).toEqual({}));
});

describe("formatDetails", () => {
  it("a result without values (older): a line per changed step and one per changed key, replacements marked", () => {
    const result: OperationResult = {
      kind: "preview",
      steps: [
        { urn: "u:a", type: "files:index:FileObject", name: "a", op: "update", custom: true, diffs: ["content"], detailedDiff: { adds: ["tag"], deletes: [], updates: ["content"] }, replaceKeys: [] },
        { urn: "u:b", type: "files:index:FileObject", name: "b", op: "replace", custom: true, diffs: ["replaceKey"], detailedDiff: { adds: [], deletes: ["old"], updates: ["replaceKey"] }, replaceKeys: ["replaceKey"] },
        { urn: "u:c", type: "files:index:FileObject", name: "c", op: "same", custom: true, diffs: [], replaceKeys: [] },
      ],
      outputs: {},
      summary: {},
      diagnostics: [],
      durationMs: 0,
    };
    expect(formatDetails(result)).toBe(
      [
        " ~  files:index:FileObject a update [diff: +tag~content]",
        "      + tag",
        "      ~ content",
        " +- files:index:FileObject b replace [diff: -old~replaceKey] [replace: replaceKey]",
        "      - old",
        "      ~ replaceKey (forces replacement)",
        "",
      ].join("\n"),
    );
  });
});

describe("formatOutputs", () => {
  it("pulumi's table: sorted keys, strings raw, other values as JSON", () => {
    expect(formatOutputs({ token: "[secret]", paths: { a: "/x" }, label: "plain" })).toBe(
      ["Current stack outputs (3):", "    OUTPUT  VALUE", "    label   plain", '    paths   {"a":"/x"}', "    token   [secret]", ""].join("\n"),
    );
  });

  it("no outputs", () => expect(formatOutputs({})).toBe("Current stack outputs (0):\n    No output values currently in this stack\n"));
});

describe("showSecrets", () => {
  it("turns every ciphertext into plaintext, leaving the rest", () => {
    const value = { a: { [SIG_KEY]: SECRET_SIG, ciphertext: "C1" }, b: [1, { [SIG_KEY]: SECRET_SIG, ciphertext: "C2" }], c: "plain" };
    expect(showSecrets(value, (c) => `plain-${c}`)).toEqual({
      a: { [SIG_KEY]: SECRET_SIG, plaintext: "plain-C1" },
      b: [1, { [SIG_KEY]: SECRET_SIG, plaintext: "plain-C2" }],
      c: "plain",
    });
  });
});

describe("jsonResult", () => {
  it("masks secrets and leaves out debug diagnostics (the runtime's RPC traces carry plaintexts)", () => {
    const result: OperationResult = {
      kind: "up",
      steps: [],
      outputs: { token: { [SIG_KEY]: SECRET_SIG, value: "plain-secret" }, label: "x" },
      summary: {},
      diagnostics: [
        { severity: "debug", message: "RegisterResource RPC finished: plain-secret" },
        { severity: "info", message: "hello" },
      ],
      durationMs: 1,
    };
    const json = jsonResult(result);
    expect(json).not.toContain("plain-secret");
    expect(JSON.parse(json)).toMatchObject({ outputs: { token: "[secret]", label: "x" }, diagnostics: [{ severity: "info", message: "hello" }] });
  });
});
