/**
 * Engine rule: `ignoreChanges` paths (`a.b`, `a[0]`, `a[*].b`, `*`) reset the new inputs to the old values before
 * Check; a path that cannot be applied (an element added or removed on the way) is reported as an info diagnostic,
 * "cannot ignore changes in added or removed elements of the path", and the step goes on (step_generator.go:
 * 3074-3095). Same program, real CLI and driver.
 */
import { plan, RuleSpec, RulesPair } from "./rules-harness";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

describe("engine rules: ignoreChanges paths", () => {
  const step = steps();
  const pair = new RulesPair();
  afterAll(() => pair.cleanup());

  const v1: RuleSpec[] = [
    { name: "i", value: "I", list: [1, 2], nested: { a: 1, b: 1 }, ignoreChanges: ["list[0]", "nested.a"] },
    { name: "j", value: "J", list: [{ v: 1 }, { v: 2 }], ignoreChanges: ["list[*].v"] },
    { name: "s", value: "S", ignoreChanges: ["*"] },
    { name: "bad", value: "B", list: [1], ignoreChanges: ["list[1]"] },
  ];
  const v2: RuleSpec[] = [
    { name: "i", value: "I", list: [9, 2], nested: { a: 9, b: 1 }, ignoreChanges: ["list[0]", "nested.a"] },
    { name: "j", value: "J", list: [{ v: 8 }, { v: 9 }], ignoreChanges: ["list[*].v"] },
    { name: "s", value: "S2", ignoreChanges: ["*"] },
    { name: "bad", value: "B", list: [1, 2], ignoreChanges: ["list[1]"] },
  ];
  const v3 = v2.map((o) => (o.name === "i" ? { ...o, nested: { a: 9, b: 2 } } : o));

  step("up creates them", async () => {
    const r = await pair.run("up", v1);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
  });

  step("ignored paths make no change; an inapplicable path is reported and the change goes through", async () => {
    const r = await pair.run("up", v2);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ i: "same", j: "same", s: "same", bad: "update [list]" });
    const message = 'cannot ignore changes in added or removed elements of the path: "list[1]"';
    for (const engine of ["cli", "driver"] as const) {
      const diag = r[engine].result.diagnostics.find((d) => d.message.includes(message));
      expect({ engine, severity: diag?.severity, urn: diag?.urn }).toEqual({ engine, severity: "info", urn: pair.urn("bad") });
    }
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
  });

  step("a change beside an ignored path is applied, the ignored part kept", async () => {
    const r = await pair.run("up", v3);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ i: "update [nested]" });
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
    const i = pair.stacks.driver.state().find((x) => x.urn === pair.urn("i"));
    expect(i?.inputs.nested).toEqual({ a: 1, b: 2 });
  });
});
