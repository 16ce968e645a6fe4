/**
 * Engine rules: `--replace URN` replaces a resource without a Diff (replace key "id", create first unless the
 * program asks for delete-before-replace; step_generator.go:216-223, 1325-1332, 2890-2892), and the
 * `replaceOnChanges` option turns changes of the listed properties into a replacement — applied to the keys the
 * diff reports changed (step_generator.go:3170-3259), so only for providers without `diff` (the dynamic provider's
 * Diff reports no changed keys). Same program, real CLI and driver.
 */
import { plan, RuleSpec, RulesPair } from "./rules-harness";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

describe("engine rules: --replace and replaceOnChanges", () => {
  const step = steps();
  const pair = new RulesPair();
  afterAll(() => pair.cleanup());

  const v1: RuleSpec[] = [
    { name: "a", key: "1" },
    { name: "d", key: "1", deleteBeforeReplace: true },
    { name: "p", value: "P", plain: true, replaceOnChanges: ["value"] },
    { name: "q", value: "Q", plain: true },
    { name: "k", value: "K", replaceOnChanges: ["value"] },
  ];

  step("up creates them", async () => {
    const r = await pair.run("up", v1);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
  });

  step("--replace of two unchanged resources: replaced (create first; delete first with the option), nothing else", async () => {
    const from = { driver: pair.stacks.driver.events().length, cli: pair.stacks.cli.events().length };
    const r = await pair.run("up", v1, { extra: () => ({ replaces: [pair.urn("a"), pair.urn("d")] }) });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ a: "replace", d: "replace (delete first)", p: "same", q: "same", k: "same" });
    const calls = { driver: pair.stacks.driver.calls(from.driver), cli: pair.stacks.cli.calls(from.cli) };
    for (const c of Object.values(calls)) {
      expect(c.filter((x) => x.endsWith(" a"))).toEqual(["create a", "delete a"]);
      expect(c.filter((x) => x.endsWith(" d"))).toEqual(["delete d", "create d"]);
    }
    expect([...calls.driver].sort()).toEqual([...calls.cli].sort());
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
  });

  step("replaceOnChanges replaces a provider without diff; the dynamic provider's diff keeps it an update", async () => {
    const v2 = v1.map((o) => (o.value ? { ...o, value: `${o.value}2` } : o));
    const p = await pair.run("preview", v2);
    expect(plan(p.cli.result)).toEqual(plan(p.driver.result));
    const r = await pair.run("up", v2);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ p: "replace [value]", q: "update [value]", k: "update [value]", a: "same" });
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
  });
});
