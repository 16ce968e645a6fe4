/**
 * Failures through the real Pulumi runtime: creates that fail (a kernel path that does not exist; a "qcow2" disk that
 * is not one, so QEMU starts and then exits) next to resources that succeed leave the state and the host consistent
 * (the state lists exactly what exists), the next up after fixing the config converges, and `protect` makes destroy
 * refuse with a clear message.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureTestGuest } from "../../support/guest";
import { linkIn, netnsList, sh, uniqueName } from "../../support/netns";
import { banner, bannerFrom, ipv4Of, LabStack, ops, stepOf } from "./lab-stack";

jest.setTimeout(180_000);

describe("failed creates leave state and host consistent; protect refuses destroy", () => {
  const ns = uniqueName("qlf");
  let stack: LabStack;
  let disk: string;
  let kernel: string;

  beforeAll(async () => {
    const guest = await ensureTestGuest();
    kernel = guest.kernel;
    stack = new LabStack(path.join(__dirname, "fixtures", "failure-lab"), {});
    disk = path.join(stack.root, "disk.qcow2");
    fs.writeFileSync(disk, "this is not a qcow2 image\n".repeat(1000));
    stack.config = { namespace: ns, kernel, initrd: guest.initrd, disk, bootKernel: path.join(stack.root, "no-such-vmlinux") };
  });

  afterAll(async () => {
    const forced = await stack.cleanup([ns]);
    expect(forced).toEqual([]);
    expect(netnsList()).not.toContain(ns);
  });

  it("up fails for both VMs; the state lists exactly what exists on the host", async () => {
    const err = await stack.fails(stack.driver().up());
    const failed = err.result.steps.filter((s) => s.error).map((s) => s.name).sort();
    expect(failed).toEqual(["boot", "disk"]);
    // The messages name the resource, what failed and how to fix it.
    expect(stepOf(err.result, "boot")?.error).toMatch(/QemuVm "fboot"|boot/);
    expect(stepOf(err.result, "boot")?.error).toContain("no-such-vmlinux");
    expect(stepOf(err.result, "disk")?.error).toMatch(/qcow2/i);
    // What succeeded is in state and on the host; what failed is in neither (its forward was never attempted).
    expect(stack.stateNames()).toEqual(["br", "lab"]);
    expect(netnsList()).toContain(ns);
    expect(ipv4Of(ns, "fbr0")).toEqual(["10.79.0.1/24"]);
    expect(stack.qemuPids()).toEqual({});
    expect(stack.vmDirs()).toEqual([]); // the VM that launched QEMU removed its own state folder
    // A refresh agrees: nothing in state is missing on the host.
    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toEqual({ lab: "same", br: "same" });
  });

  it("after fixing the config the next up converges (and protects the bridge)", async () => {
    sh(["qemu-img", "create", "-q", "-f", "qcow2", disk, "16M"]);
    stack.config = { ...stack.config, bootKernel: kernel, protectBridge: true };
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ lab: "same", br: "same", boot: "create", disk: "create", fwd: "create" });
    expect(Object.keys(stack.qemuPids()).sort()).toEqual(["fboot", "fdisk"]);
    expect(await bannerFrom(ns, "127.0.0.1", 2222)).toBe(banner(22, "fboot"));
    expect(stack.state().resources.find((r) => r.urn.endsWith("::br"))?.protect).toBe(true);
  });

  it("destroy refuses the protected bridge with a message saying how to unprotect it", async () => {
    const err = await stack.fails(stack.driver().destroy());
    expect(err.message).toMatch(/protect/);
    expect(err.message).toContain("qemu-lab:Bridge::br");
    expect(err.message).toMatch(/remove the `protect` flag/);
    // The protected bridge (and the namespace it lives in) are still there, in state and on the host.
    expect(stack.stateNames()).toEqual(expect.arrayContaining(["br", "lab"]));
    expect(linkIn(ns, "fbr0")?.linkinfo?.info_kind).toBe("bridge");
    // State and host agree about the rest: every VM in state runs, every VM not in state is gone.
    const inState = stack.stateNames();
    for (const [res, vm] of [["boot", "fboot"], ["disk", "fdisk"]] as const) {
      expect(vm in stack.qemuPids()).toBe(inState.includes(res));
    }
  });

  it("unprotected by the next up, destroy removes everything", async () => {
    stack.config = { ...stack.config, protectBridge: false };
    await stack.run(stack.driver().up());
    expect(stack.state().resources.find((r) => r.urn.endsWith("::br"))?.protect).toBeFalsy();
    const destroy = await stack.run(stack.driver().destroy());
    expect(Object.values(ops(destroy)).every((op) => op === "delete")).toBe(true);
    expect(stack.stateNames()).toEqual([]);
    expect(netnsList()).not.toContain(ns);
    expect(stack.qemuPids()).toEqual({});
    expect(stack.vmDirs()).toEqual([]);
  });
});
