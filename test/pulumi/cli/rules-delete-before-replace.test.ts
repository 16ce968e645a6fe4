/**
 * Engine rule: a delete-before-replace replacement first deletes the dependents that would be replaced with it —
 * those whose provider says the inputs taken from the replaced resource force a replacement — dependents first,
 * then re-creates them after it (step_generator.go:2055-2160 and 3268-3416). Same program, real CLI and driver.
 */
import { plan, RuleSpec, RulesPair } from "./rules-harness";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

describe("engine rules: deleteBeforeReplace cascades to dependents replaced with it", () => {
  const step = steps();
  const pair = new RulesPair();
  afterAll(() => pair.cleanup());

  const v1: RuleSpec[] = [
    { name: "a", key: "1", dbr: true },
    { name: "b", key: "b", keyFrom: "a" }, // its key comes from a's: replaced with it
    { name: "c", key: "c", keyFrom: "b" }, // transitively
    { name: "x", value: "X", dependsOn: ["a"] }, // depends on a, but nothing of it changes: kept
    { name: "y", value: "Y" },
  ];
  const v2 = v1.map((o) => (o.name === "a" ? { ...o, key: "2" } : o));

  step("up creates the chain", async () => {
    const r = await pair.run("up", v1);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
  });

  step("preview plans the dependents' replacement, delete first", async () => {
    const r = await pair.run("preview", v2);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({
      a: "replace (delete first) [key]",
      b: "replace (delete first) [key]",
      c: "replace (delete first) [key]",
      x: "same",
      y: "same",
    });
  });

  step("up deletes c, b, then a, and re-creates a, b, c — the same calls in the same order", async () => {
    const from = { driver: pair.stacks.driver.events().length, cli: pair.stacks.cli.events().length };
    const r = await pair.run("up", v2);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    const calls = { driver: pair.stacks.driver.calls(from.driver), cli: pair.stacks.cli.calls(from.cli) };
    expect(calls.cli).toEqual(["delete c", "delete b", "delete a", "create a", "create b", "create c"]);
    expect(calls.driver).toEqual(calls.cli);
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
  });

  step("destroy leaves both stacks empty", async () => {
    await pair.run("destroy", v2);
    for (const s of pair.both) expect(s.state()).toEqual([]);
  });
});
