/**
 * Upgrading the installed package changes how existing resources are read and deleted: the state holds only a
 * small shim (`__provider`) that loads the implementation from `pulumi-qemu-lab/provider` in the provider process.
 *
 * The program runs from a temp folder whose `node_modules/pulumi-qemu-lab` first points at this package, then at a
 * COPY of it whose dist/provider/index.js records every read and delete in a marker file ("version B"). The real
 * dist/ is never modified.
 */
import * as fs from "node:fs";
import { steps } from "../../support/steps";
import { figure, ipv4Of, ops, ROOT } from "./lab-stack";
import { upgradeLab } from "./upgrade-lab";

jest.setTimeout(120_000);

describe("upgrading the package upgrades existing resources' lifecycles", () => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  // Version A is this package as built; version B the traced copy of it.
  const lab = upgradeLab("qlu", () => ROOT);
  const { ns } = lab;

  step("version A creates the resources; the state stores a small shim, not the implementation", async () => {
    const up = await lab.stack().run(lab.stack().driver().up());
    expect(ops(up)).toEqual({ lab: "create", br: "create" });
    expect(ipv4Of(ns, "ubr0")).toEqual(["10.78.0.1/24"]);
    expect(fs.existsSync(lab.marker)).toBe(false);
    const shims = lab.shims();
    expect(shims).toHaveLength(2);
    // The same text for every kind except the kind's name: nothing of the kind's implementation is in it.
    expect(shims[0]!.replace(/"Bridge"|"NetworkNamespace"/, "K")).toBe(shims[1]!.replace(/"Bridge"|"NetworkNamespace"/, "K"));
    figure("__provider shim size (bytes)", Math.max(...shims.map((s) => s.length)));
    for (const shim of shims) {
      expect(typeof shim).toBe("string");
      expect(shim.length).toBeGreaterThan(100);
      expect(shim.length).toBeLessThan(4096);
      expect(shim).toContain('require("pulumi-qemu-lab/provider")');
      // None of the implementation: no ip commands, no zod schemas, no handler code.
      for (const implementation of ["netns", "addBridge", "ipWrite", "zod", "checkWithSchema", "-batch"]) {
        expect(shim).not.toContain(implementation);
      }
    }
  });

  // Six one-line closures: the closure serializer's wrappers (~300 bytes each) are the floor; no path into this
  // checkout is stored, so the state does not depend on where the package was installed.
  step("the stored shim is under 2 KB and names no path on this machine", () => {
    const shims = lab.shims();
    expect(Math.max(...shims.map((s) => s.length))).toBeLessThan(2048);
    for (const s of shims) expect(s).not.toMatch(/\/work\/|dist\/provider/);
  });

  step("after the package is upgraded (same state), refresh and destroy run version B's code", async () => {
    const shimsBefore = lab.shims();
    lab.upgrade();
    await lab.refreshRunsUpgradedCode();
    expect(lab.shims()).toEqual(shimsBefore); // the state's shims are untouched: the same text now loads other code
    await lab.destroyRunsUpgradedCode();
  });
});
