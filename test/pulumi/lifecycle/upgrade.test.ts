/**
 * Upgrading the installed package changes how existing resources are read and deleted: the state holds only a
 * small shim (`__provider`) that loads the implementation from `pulumi-qemu-lab/provider` in the provider process.
 *
 * The program runs from a temp folder whose `node_modules/pulumi-qemu-lab` first points at this package, then at a
 * COPY of it whose dist/provider/index.js records every read and delete in a marker file ("version B"). The real
 * dist/ is never modified.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { netnsList, uniqueName } from "../../support/netns";
import { figure, ipv4Of, LabStack, ops, ROOT } from "./lab-stack";
import { steps } from "../../support/steps";
import { programFolder, tracedCopy } from "./package-copies";

jest.setTimeout(120_000);

describe("upgrading the package upgrades existing resources' lifecycles", () => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const ns = uniqueName("qlu");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-upgrade-"));
  const programDir = path.join(work, "program");
  const versionB = path.join(work, "pulumi-qemu-lab-b");
  const marker = path.join(work, "version-b.log");
  let stack: LabStack;

  let install: (pkg: string) => void;

  beforeAll(() => {
    // The program folder as a user has it; version A is this package as built, version B a traced copy of it.
    ({ install } = programFolder(path.join(__dirname, "fixtures", "upgrade-lab"), programDir, ROOT));
    tracedCopy(versionB, marker);
    stack = new LabStack(programDir, { namespace: ns });
  });

  afterAll(async () => {
    expect(await stack.cleanup([ns], [work])).toEqual([]);
    expect(netnsList()).not.toContain(ns);
  });

  step("version A creates the resources; the state stores a small shim, not the implementation", async () => {
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ lab: "create", br: "create" });
    expect(ipv4Of(ns, "ubr0")).toEqual(["10.78.0.1/24"]);
    expect(fs.existsSync(marker)).toBe(false);
    const shims = stack.state().resources.filter((r) => r.custom).map((r) => r.inputs.__provider as string);
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
    const shims = stack.state().resources.filter((r) => r.custom).map((r) => r.inputs.__provider as string);
    expect(Math.max(...shims.map((s) => s.length))).toBeLessThan(2048);
    for (const s of shims) expect(s).not.toMatch(/\/work\/|dist\/provider/);
  });

  step("after the package is upgraded (same state), refresh and destroy run version B's code", async () => {
    const stateBefore = fs.readFileSync(stack.stateFile, "utf8");
    install(versionB);

    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toEqual({ lab: "same", br: "same" });
    expect(fs.readFileSync(marker, "utf8").trim().split("\n").sort()).toEqual([`read Bridge ubr0`, `read NetworkNamespace ${ns}`]);
    // The state's shims are untouched by the upgrade: the same text now loads other code.
    const shims = (text: string) => (JSON.parse(text) as { resources: Array<{ inputs: { __provider?: string } }> }).resources.map((r) => r.inputs.__provider);
    expect(shims(fs.readFileSync(stack.stateFile, "utf8"))).toEqual(shims(stateBefore));

    const destroy = await stack.run(stack.driver().destroy());
    expect(ops(destroy)).toEqual({ lab: "delete", br: "delete" });
    const lines = fs.readFileSync(marker, "utf8").trim().split("\n");
    expect(lines.slice(2)).toEqual([`delete Bridge ubr0`, `delete NetworkNamespace ${ns}`]);
    expect(netnsList()).not.toContain(ns);
  });
});
