/** Progress lines: pulumi's symbol and verb per step, elapsed seconds, running steps only. */
import { plainProgress, RunningSteps, runningLine } from "../../../cli/progress";
import type { ProgressEvent } from "../../../driver/types";

const ev = (name: string, op: ProgressEvent["op"], phase: ProgressEvent["phase"]): ProgressEvent => ({
  urn: `urn:pulumi:dev::lab::files:index:FileObject::${name}`,
  name,
  type: "files:index:FileObject",
  op,
  phase,
});

describe("runningLine", () => {
  test.each<[ProgressEvent["op"], number, string]>([
    ["create", 0, " +  files:index:FileObject a creating (0s)"],
    ["update", 1999, " ~  files:index:FileObject a updating (1s)"],
    ["replace", 65_000, " +- files:index:FileObject a replacing (65s)"],
    ["delete", 3000, " -  files:index:FileObject a deleting (3s)"],
    ["refresh", 0, " ~  files:index:FileObject a refreshing (0s)"],
  ])("%s after %d ms", (op, ms, line) => expect(runningLine(ev("a", op, "start"), ms)).toBe(line));
});

describe("RunningSteps", () => {
  it("lists the running steps with their elapsed time and counts the finished ones", () => {
    let now = 1000;
    const steps = new RunningSteps(() => now);
    steps.update(ev("a", "create", "start"));
    now = 3000;
    steps.update(ev("b", "delete", "start"));
    steps.update(ev("s", "same", "start"));
    now = 5500;
    expect(steps.lines()).toEqual([" +  files:index:FileObject a creating (4s)", " -  files:index:FileObject b deleting (2s)", "0 steps done"]);
    steps.update(ev("a", "create", "done"));
    steps.update(ev("b", "delete", "failed"));
    expect(steps.lines()).toEqual(["2 steps done"]);
  });

  it("ignores the end of a step it never saw start", () => {
    const steps = new RunningSteps(() => 0);
    steps.update(ev("x", "create", "done"));
    expect(steps.lines()).toEqual(["0 steps done"]);
  });
});

describe("plainProgress", () => {
  it("writes a line when a step starts, nothing when it ends or does nothing", () => {
    let out = "";
    const p = plainProgress((t) => (out += t));
    p.onProgress(ev("a", "create", "start"));
    p.onProgress(ev("a", "create", "done"));
    p.onProgress(ev("s", "same", "start"));
    expect(out).toBe(" +  files:index:FileObject a creating (0s)\n");
  });
});
