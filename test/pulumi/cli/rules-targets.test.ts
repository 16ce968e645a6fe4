/**
 * Engine rules: `--target` runs only the listed URNs — untargeted registrations with state stay as they are (no
 * Check or Diff), untargeted new ones are not created, only targeted resources are deleted, and a targeted resource
 * that needs an untargeted new one fails (step_generator.go:1539-1781, 514-536, 2328-2540); `up --refresh` refreshes
 * first, so drift is repaired by the same up. Same program, real CLI and driver.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { plan, RuleSpec, RulesPair } from "./rules-harness";
import { steps } from "../../support/steps";

jest.setTimeout(300_000);

describe("engine rules: --target and up --refresh", () => {
  const step = steps();
  const pair = new RulesPair();
  afterAll(() => pair.cleanup());

  const v1: RuleSpec[] = [
    { name: "a", value: "A" },
    { name: "b", value: "B" },
    { name: "gone", value: "G" },
    { name: "keep", value: "K" },
  ];
  const v2: RuleSpec[] = [
    { name: "a", value: "A2" }, // targeted: updated
    { name: "b", value: "B2" }, // untargeted: kept as it was
    { name: "n", value: "N" }, // untargeted, new: not created
    { name: "t", value: "T" }, // targeted, new: created
    // gone: removed and targeted: deleted; keep: removed, untargeted: kept
  ];

  step("up creates them", async () => {
    const r = await pair.run("up", v1);
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
  });

  step("a targeted up touches only the targets", async () => {
    const targets = [pair.urn("a"), pair.urn("t"), pair.urn("gone")];
    const from = { driver: pair.stacks.driver.events().length, cli: pair.stacks.cli.events().length };
    const r = await pair.run("up", v2, { extra: () => ({ targets }) });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ a: "update [value]", b: "same", t: "create", gone: "delete" });
    const calls = { driver: pair.stacks.driver.calls(from.driver).sort(), cli: pair.stacks.cli.calls(from.cli).sort() };
    expect(calls.cli).toEqual(["create t", "delete gone", "update a"]);
    expect(calls.driver).toEqual(calls.cli);
    const s = pair.states();
    expect(s.cli).toEqual(s.driver);
    const urns = pair.stacks.driver.state().map((r) => r.urn);
    expect(urns).toEqual(expect.arrayContaining([pair.urn("keep"), pair.urn("b")]));
    expect(urns).not.toContain(pair.urn("n"));
  });

  step("a target that needs an untargeted new resource fails, naming both", async () => {
    const v3: RuleSpec[] = [...v2, { name: "n2", value: "N2" }, { name: "t2", key: "k", keyFrom: "n2" }];
    const r = await pair.run("up", v3, { mayFail: true, extra: () => ({ targets: [pair.urn("t2")] }) });
    const message = `Resource '${pair.urn("t2")}' depends on '${pair.urn("n2")}' which was was not specified in --target list.`;
    for (const engine of ["cli", "driver"] as const) {
      expect({ engine, message: r[engine].error?.message.includes(message) }).toEqual({ engine, message: true });
    }
    expect(pair.stacks.driver.state().map((x) => x.urn)).not.toContain(pair.urn("t2"));
  });

  step("up --refresh sees drift made by hand and repairs it in the same up", async () => {
    for (const s of pair.both) fs.writeFileSync(path.join(s.root, "drift-a"), "by hand");
    const plain = await pair.run("preview", v2);
    expect(plan(plain.cli.result)).toMatchObject({ a: "same" }); // without a refresh the drift is not seen
    expect(plan(plain.driver.result)).toMatchObject({ a: "same" });
    const r = await pair.run("up", v2, { extra: () => ({ refreshFirst: true }) });
    expect(plan(r.cli.result)).toEqual(plan(r.driver.result));
    expect(plan(r.cli.result)).toMatchObject({ a: "update [value]" });
  });
});
