/**
 * The `import` resource option on a dynamic resource. The real CLI's ImportStep calls Read with the ID only
 * (step.go:2021-2070), so the dynamic provider cannot even load the resource's provider and the up fails (v3.248:
 * "Cannot read properties of undefined (reading 'toJavaScript')"); the driver adopts the object through Read (given the program's inputs) and then diffs
 * it like any other resource — never ignoring the option. Both fail, clearly, when the object is not there.
 */
import { plan, RuleSpec, RulesPair } from "./rules-harness";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

describe("engine rules: the import option", () => {
  const step = steps();
  const pair = new RulesPair();
  afterAll(() => pair.cleanup());

  step("the real CLI cannot import a dynamic resource; the driver adopts it without creating anything", async () => {
    const objects: RuleSpec[] = [{ name: "i", value: "I", import: "i-existing" }];
    const r = await pair.run("up", objects, { mayFail: true });
    // v3.248: Read gets no properties, and the dynamic provider fails reading them (older ones: "code must be a string").
    expect(r.cli.error?.message).toMatch(/Cannot read properties of undefined \(reading 'toJavaScript'\)|code must be a string/);
    expect(r.driver.error).toBeUndefined();
    expect(plan(r.driver.result)).toMatchObject({ i: "create" });
    expect(r.driver.result.steps.find((s) => s.name === "i")).toMatchObject({ imported: true, id: "i-existing" });
    expect(pair.stacks.driver.calls()).toEqual([]); // read, never created
    expect(pair.stacks.driver.state().find((x) => x.urn === pair.urn("i"))).toMatchObject({ id: "i-existing" });

    const again = await pair.stacks.driver.driver(objects).up();
    expect(plan(again)).toMatchObject({ i: "same" });
    const changed = await pair.stacks.driver.driver([{ ...objects[0]!, value: "I2" }]).up();
    expect(plan(changed)).toMatchObject({ i: "update [value]" });
    expect(pair.stacks.driver.calls()).toEqual(["update i"]);
  });

  step("a replacement of a resource that still names an import ID fails with the engine's message", async () => {
    const err = await pair.stacks.driver
      .driver([{ name: "i", value: "I2", key: "new", import: "i-existing" }])
      .up()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toContain("previously-imported resources that still specify an ID may not be replaced");
  });
});
