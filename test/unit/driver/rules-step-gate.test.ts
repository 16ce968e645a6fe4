/**
 * The operation's step gate: `parallel` bounds the steps running at once, a failure or an abort stops new steps
 * (a registration admitted before the stop goes on unless it must queue), and the engine's default parallelism.
 */
import * as os from "node:os";
import { CANCELLED, defaultParallel, Operation, OperationSettings, StepCancelledError } from "../../../driver/operation";
import type { ProgressEvent } from "../../../driver/types";

function operation(extra: Partial<OperationSettings> = {}): Operation {
  const settings = { kind: "up", project: "p", stack: "s", write: () => undefined, verbose: false, ...extra } as unknown as OperationSettings;
  return new Operation(settings);
}

/** A step that runs until released. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release = () => undefined as void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe("Operation.runStep", () => {
  it("runs at most `parallel` steps at once, the others when a slot frees", async () => {
    const op = operation({ parallel: 2 });
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) => op.runStep(`u${i}`, async () => (started.push(i), g.promise)));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    gates[0]!.release();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.release();
    gates[2]!.release();
    await Promise.all(runs);
  });

  it("after a failure refuses new and queued steps; running ones finish", async () => {
    const op = operation({ parallel: 1 });
    const running = gate();
    const first = op.runStep("a", () => running.promise);
    const queued = op.runStep("b", async () => "ran", true);
    op.fail(new Error("boom"), "urn:pulumi:s::p::t::a");
    await expect(queued).rejects.toBeInstanceOf(StepCancelledError);
    await expect(op.runStep("c", async () => "ran")).rejects.toBeInstanceOf(StepCancelledError);
    expect(() => op.admit("d")).toThrow(StepCancelledError);
    running.release();
    await expect(first).resolves.toBeUndefined();
    expect(op.errors.map((e) => e.message)).toEqual(["t (a): boom"]); // cancelled steps add no error of their own
  });

  it("a refused protected delete does not stop the others, as in the engine", async () => {
    const op = operation();
    const err = new Error("unable to delete");
    err.name = "DeleteProtectedError";
    op.fail(err);
    await expect(op.runStep("a", async () => "ran")).resolves.toBe("ran");
  });

  it("an abort stops new steps and fails the operation as cancelled", async () => {
    const controller = new AbortController();
    const op = operation({ signal: controller.signal });
    controller.abort();
    controller.abort();
    await expect(op.runStep("a", async () => "ran")).rejects.toBeInstanceOf(StepCancelledError);
    expect(op.errors.map((e) => e.message)).toEqual([CANCELLED]);
  });

  it("reports progress: start, then done or failed with a duration", () => {
    const events: ProgressEvent[] = [];
    const op = operation({ onProgress: (e) => events.push(e) });
    const urn = "urn:pulumi:s::p::my:mod:T::n";
    op.progress(urn, "create", "start");
    op.addStep({ urn, op: "create", custom: true, diffs: [], replaceKeys: [], durationMs: 5 });
    op.addStep({ urn, op: "update", custom: true, diffs: [], replaceKeys: [], error: "x", durationMs: 1 });
    expect(events).toEqual([
      { urn, name: "n", type: "my:mod:T", op: "create", phase: "start", durationMs: undefined },
      { urn, name: "n", type: "my:mod:T", op: "create", phase: "done", durationMs: 5 },
      { urn, name: "n", type: "my:mod:T", op: "update", phase: "start", durationMs: undefined },
      { urn, name: "n", type: "my:mod:T", op: "update", phase: "failed", durationMs: 1 },
    ]);
  });
});

describe("defaultParallel (pkg/cmd/pulumi/operations/up.go:71-88)", () => {
  test.each([
    [{}, 4 * os.availableParallelism()],
    [{ PULUMI_PARALLEL: "3" }, 3],
    [{ PULUMI_PARALLEL: "0" }, 4 * os.availableParallelism()],
    [{ PULUMI_PARALLEL: "x" }, 4 * os.availableParallelism()],
  ])("%j → %d", (env, expected) => expect(defaultParallel(env)).toBe(expected));
});
