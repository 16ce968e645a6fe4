/**
 * Engine rules on failure and concurrency: after a step fails no new step starts, steps already running finish and
 * are saved, and the operation fails (step_executor.go:404-461); `parallel` bounds the provider steps running at
 * once (step_executor.go:762-770); an abort (Ctrl-C) lets the steps in flight finish, starts no more, saves, and
 * fails. Same program under the real CLI and the driver; the provider's events.log shows what started and ended.
 * The delays only make steps overlap: nothing here asserts a duration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { plan, RuleSpec, RulesPair, RulesStack } from "./rules-harness";
import type { ProgressEvent } from "../../../driver/types";

jest.setTimeout(300_000);

/** The most provider calls running at once, from the start/end lines of events.log. */
function maxConcurrent(events: string[]): number {
  let running = 0;
  let max = 0;
  for (const e of events) {
    if (e.startsWith("start ")) max = Math.max(max, ++running);
    else running--;
  }
  return max;
}

/** Calls `abort` once events.log shows `line` (polling; the run goes on meanwhile). */
function abortWhen(stack: RulesStack, line: string): AbortSignal {
  const controller = new AbortController();
  const timer = setInterval(() => {
    if (stack.events().includes(line)) {
      clearInterval(timer);
      controller.abort();
    }
  }, 20);
  controller.signal.addEventListener("abort", () => clearInterval(timer));
  setTimeout(() => clearInterval(timer), 120_000).unref();
  return controller.signal;
}

describe("engine rules: failures, parallel and abort", () => {
  const pairs: RulesPair[] = [];
  const newPair = () => {
    const p = new RulesPair();
    pairs.push(p);
    return p;
  };
  afterAll(async () => {
    for (const p of pairs) await p.cleanup();
  });

  it("parallel bounds the provider steps running at once", async () => {
    const pair = newPair();
    const objects: RuleSpec[] = ["a", "b", "c", "d", "e"].map((name) => ({ name, value: name, delayMs: 400 }));
    const r = await pair.run("up", objects, { extra: () => ({ parallel: 2 }) });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    for (const s of pair.both) expect({ engine: s.engine, max: maxConcurrent(s.events()) }).toEqual({ engine: s.engine, max: 2 });
  });

  it("after a failed step nothing new starts; the step in flight finishes and is saved; the up fails", async () => {
    const pair = newPair();
    const objects: RuleSpec[] = [
      { name: "f", value: "F", fail: "create", delayMs: 1000 },
      { name: "g", value: "G", delayMs: 2500 }, // running when f fails
      { name: "h", value: "H", dependsOn: ["g"] }, // ready only after f failed
    ];
    const progress: ProgressEvent[] = [];
    const r = await pair.run("up", objects, { mayFail: true, extra: (s) => (s.engine === "driver" ? { onProgress: (e) => progress.push(e) } : {}) });
    for (const s of pair.both) {
      expect({ engine: s.engine, failed: r[s.engine].error !== undefined }).toEqual({ engine: s.engine, failed: true });
      const events = s.events();
      const failedAt = events.indexOf("create-failed f");
      expect({ engine: s.engine, after: events.slice(failedAt + 1) }).toEqual({ engine: s.engine, after: ["create g"] });
      expect(s.state().map((x) => x.urn)).toContain(pair.urn("g"));
      expect(s.state().map((x) => x.urn)).not.toContain(pair.urn("h"));
    }
    expect(plan(r.cli.result)).toMatchObject({ f: "create failed", g: "create" });
    expect(plan(r.driver.result)).toMatchObject({ f: "create failed", g: "create" });
    // onProgress: each custom step starts, then ends done or failed.
    const custom = progress.filter((e) => e.type.startsWith("pulumi-nodejs:dynamic"));
    expect(custom.map((e) => `${e.phase} ${e.op} ${e.name}`).sort()).toEqual(["done create g", "failed create f", "start create f", "start create g"]);
    for (const name of ["f", "g"]) {
      const mine = custom.filter((e) => e.name === name);
      expect(mine[0]!.phase).toBe("start");
      expect(mine[1]!.durationMs).toEqual(expect.any(Number));
    }
  });

  it("an abort lets the steps in flight finish and saves them, starts nothing new, and fails", async () => {
    const pair = newPair();
    const objects: RuleSpec[] = [
      { name: "a", value: "A", delayMs: 2000 },
      { name: "b", value: "B", dependsOn: ["a"] },
    ];
    const r = await pair.run("up", objects, { mayFail: true, extra: (s) => ({ signal: abortWhen(s, "start create a") }) });
    for (const s of pair.both) {
      expect({ engine: s.engine, failed: r[s.engine].error !== undefined }).toEqual({ engine: s.engine, failed: true });
      expect({ engine: s.engine, events: s.events() }).toEqual({ engine: s.engine, events: ["start create a", "create a"] });
      expect(s.state().map((x) => x.urn)).toContain(pair.urn("a"));
    }
    expect(r.driver.error?.message).toContain("update canceled");
    // The run was saved: the next up only creates b.
    const next = await pair.run("up", objects);
    expect(plan(next.cli.result)).toEqual(plan(next.driver.result));
    expect(plan(next.cli.result)).toMatchObject({ a: "same", b: "create" });
    expect(fs.existsSync(path.join(pair.stacks.driver.root, "events.log"))).toBe(true);
  });
});
