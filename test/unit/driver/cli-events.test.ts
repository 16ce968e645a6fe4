/** The CLI's engine events → the lifecycle driver's steps: exact tables, events as the real engine emits them. */
import { cliStepResults, CliEvent, StepMetadata } from "../../../driver/cli-events";

const T = "pulumi-nodejs:dynamic:Resource";
const urn = (name: string, type = T) => `urn:pulumi:dev::p::${type}::${name}`;
const meta = (op: string, name: string, extra: Partial<StepMetadata> = {}): StepMetadata => ({
  op,
  urn: urn(name),
  type: T,
  old: { custom: true, id: `${name}-1`, inputs: { content: "A", __provider: "x" }, outputs: { content: "A", __provider: "x" } },
  new: { custom: true, id: `${name}-2`, inputs: { content: "B", __provider: "x" }, outputs: { content: "B", __provider: "x" } },
  ...extra,
});
const pre = (m: StepMetadata): CliEvent => ({ resourcePreEvent: { metadata: m } });
const out = (m: StepMetadata): CliEvent => ({ resOutputsEvent: { metadata: m } });

describe("cliStepResults", () => {
  it("a preview is read from pre-events; a replace is delete-first exactly when delete-replaced came before it", () => {
    const events = [
      pre(meta("update", "a")),
      out(meta("update", "a")),
      pre(meta("delete-replaced", "c")),
      pre(meta("replace", "c", { keys: ["replaceKey"] })),
      pre(meta("create-replacement", "c", { keys: ["replaceKey"] })),
      pre(meta("create-replacement", "b", { keys: ["replaceKey"] })),
      pre(meta("replace", "b", { keys: ["replaceKey"] })),
      pre(meta("delete-replaced", "b")),
      pre({ ...meta("create", "default"), urn: urn("default", "pulumi:providers:pulumi-nodejs"), type: "pulumi:providers:pulumi-nodejs" }),
    ];
    const { steps } = cliStepResults("preview", events);
    expect(steps.map((s) => [s.name, s.op, s.diffs, s.replaceKeys, s.deleteBeforeReplace])).toEqual([
      ["a", "update", ["content"], [], undefined],
      ["c", "replace", ["content"], ["replaceKey"], true],
      ["b", "replace", ["content"], ["replaceKey"], false],
    ]);
  });

  it("an up is read from outputs events; a delete carries no id", () => {
    const { steps } = cliStepResults("up", [pre(meta("create", "a")), out(meta("create", "a")), pre(meta("delete", "d")), out(meta("delete", "d"))]);
    expect(steps.map((s) => [s.name, s.op, s.id])).toEqual([
      ["a", "create", "a-2"],
      ["d", "delete", undefined],
    ]);
  });

  it("refresh: the engine's update (drift by the provider's Diff) is a refresh step naming the outputs that changed", () => {
    const unchanged = meta("same", "s", { new: meta("same", "s").old });
    const { steps } = cliStepResults("refresh", [out(meta("update", "a")), out(unchanged), out(meta("delete", "gone"))]);
    expect(steps.map((s) => [s.name, s.op, s.diffs])).toEqual([
      ["a", "refresh", ["content"]],
      ["s", "same", []],
      ["gone", "delete", []],
    ]);
  });

  it("an update that only repairs drift is explained by the outputs that differ from the inputs", () => {
    const repair = meta("update", "r", {
      old: { custom: true, inputs: { content: "B" }, outputs: { content: "edited" } },
      new: { custom: true, inputs: { content: "B" }, outputs: { content: "B" } },
    });
    expect(cliStepResults("up", [out(repair)]).steps[0]).toMatchObject({ op: "update", diffs: ["content"] });
  });

  it("a failed step carries the engine's error diagnostics for its URN; diagnostics keep their severity", () => {
    const events: CliEvent[] = [
      { diagnosticEvent: { urn: urn("a"), message: "create failed: boom\n", severity: "error" } },
      { diagnosticEvent: { urn: "", message: "using plugin from PATH", severity: "warning" } },
      { diagnosticEvent: { urn: urn("a"), message: "stderr line", severity: "info#err" } },
      { resOpFailedEvent: { metadata: meta("create", "a") } },
    ];
    const { steps, diagnostics } = cliStepResults("up", events);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ name: "a", op: "create", error: "create failed: boom" });
    expect(diagnostics.map((d) => [d.severity, d.urn])).toEqual([
      ["error", urn("a")],
      ["warning", undefined],
      ["info", urn("a")],
    ]);
  });

  it("a preview's planned stack outputs come from the root stack's outputs event", () => {
    const stackMeta: StepMetadata = { op: "same", urn: urn("p-dev", "pulumi:pulumi:Stack"), type: "pulumi:pulumi:Stack", new: { outputs: { x: 1 } } };
    expect(cliStepResults("preview", [pre(stackMeta), out(stackMeta)]).previewOutputs).toEqual({ x: 1 });
  });
});
