/**
 * Engine rule: a registration whose URN is new but one of whose aliases names an old resource continues that
 * resource — no create, no delete, the state moved to the new URN (step_generator.go:655-713, getOldResource).
 * The SDK sends the aliases as URNs (`aliasURNs`) because the driver's monitor does not claim "aliasSpecs".
 * Same program, real CLI and driver.
 */
import { plan, RuleSpec, RulesPair } from "./rules-harness";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

describe("engine rules: aliases keep renamed and re-parented resources", () => {
  const step = steps();
  const pair = new RulesPair();
  afterAll(() => pair.cleanup());

  const v1: RuleSpec[] = [
    { name: "a", value: "A" },
    { name: "m", value: "M" },
    { name: "z", value: "Z" },
  ];
  const v2: RuleSpec[] = [
    { name: "a", value: "A", rename: "a2", aliases: ["a"] }, // renamed
    { name: "m", value: "M", parent: "g", aliases: [{ name: "m" }] }, // moved under a component (was top-level)
    { name: "z", value: "Z", rename: "z2" }, // renamed without an alias: replaced by a new one
  ];

  step("up creates them", async () => {
    const r = await pair.run("up", v1, { groups: ["g"] });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
  });

  step("preview and up of the renamed/moved program: same for the aliased, create+delete for the other", async () => {
    const p = await pair.run("preview", v2, { groups: ["g"] });
    expect(plan(p.cli.result)).toEqual(plan(p.driver.result));
    const from = { driver: pair.stacks.driver.events().length, cli: pair.stacks.cli.events().length };
    const r = await pair.run("up", v2, { groups: ["g"] });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ a2: "same", m: "same", z2: "create", z: "delete" });
    const calls = { driver: pair.stacks.driver.calls(from.driver), cli: pair.stacks.cli.calls(from.cli) };
    expect(calls.cli).toEqual(["create z", "delete z"]);
    expect(calls.driver).toEqual(calls.cli);
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
    expect(JSON.stringify(s.driver)).toContain("rules:index:Group$pulumi-nodejs:dynamic/rules:Keyed::m");
  });

  step("a second up is a no-op", async () => {
    const from = { driver: pair.stacks.driver.events().length, cli: pair.stacks.cli.events().length };
    const r = await pair.run("up", v2, { groups: ["g"] });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(pair.stacks.cli.calls(from.cli)).toEqual([]);
    expect(pair.stacks.driver.calls(from.driver)).toEqual([]);
  });
});
