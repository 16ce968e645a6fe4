/**
 * examples/windows-virtio end to end without Windows: a small qcow2 disk and a fake virtio-win ISO are attached and
 * the test kernel is booted through the example's kernel config (listening on 3389 in place of RDP). Switching
 * `nicModel` from e1000 to virtio-net-pci must preview as a delete-before-replace, and up must do just that.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { OperationResult } from "../../../driver";
import { withQmp } from "../../../provider/host/qemu/qmp-client";
import { ensureTestGuest } from "../../support/guest";
import { netnsList, sh, TestNamespaces } from "../../support/netns";
import { DRIVER_KINDS } from "../../support/pulumi-cli";
import { steps } from "../../support/steps";
import { banner, bannerFrom, driftShown, EXAMPLES, LabStack, ops, plan, stepOf, tcpOpen } from "../lifecycle/lab-stack";

jest.setTimeout(240_000);

/** QEMU's argv (re-read from /proc). */
function cmdline(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
}

describe.each(DRIVER_KINDS)("examples/windows-virtio under %s: disk + ISO, e1000 then virtio-net-pci, a forward removed by hand", (kind) => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const namespaces = new TestNamespaces();
  let ns: string;
  let stack: LabStack;
  let disk: string;
  let iso: string;
  let firstPreview: OperationResult;
  let pid: number;

  beforeAll(async () => {
    const guest = await ensureTestGuest();
    ns = namespaces.create("qlw");
    stack = new LabStack(path.join(EXAMPLES, "windows-virtio"), {}, {}, kind);
    disk = path.join(stack.root, "windows.qcow2");
    iso = path.join(stack.root, "virtio-win.iso");
    sh(["qemu-img", "create", "-q", "-f", "qcow2", disk, "64M"]);
    fs.writeFileSync(iso, Buffer.alloc(64 * 1024)); // any file works for -cdrom
    stack.config = {
      netns: ns,
      disk,
      virtioWinIso: iso,
      kernel: guest.kernel,
      initrd: guest.initrd,
      kernelArgs: "console=ttyS0 quiet panic=-1 lab.name=windows lab.listen=3389 lab.ip=eth0:10.0.2.15/24:10.0.2.2",
      accel: "tcg",
      memoryMiB: 192,
      cpus: 1,
      stopTimeoutSeconds: 10,
    };
  });

  afterAll(async () => {
    try {
      const forced = await stack.cleanup();
      expect(forced).toEqual([]);
    } finally {
      namespaces.cleanup();
    }
    expect(netnsList()).not.toContain(ns);
  });

  step("preview plans the VM and its RDP forward", async () => {
    firstPreview = await stack.run(stack.driver().preview());
    expect(ops(firstPreview)).toEqual({ windows: "create", rdp: "create" });
    expect(stack.vmDirs()).toEqual([]);
  });

  step("up boots with an e1000 NIC, the qcow2 disk and the ISO, and the forward answers", async () => {
    const up = await stack.run(stack.driver().up(), "windows-virtio up");
    expect(plan(up)).toEqual(plan(firstPreview));
    const pids = stack.qemuPids();
    expect(Object.keys(pids)).toEqual(["windows"]);
    pid = pids.windows!;
    const argv = cmdline(pid).join(" ");
    expect(argv).toContain("e1000");
    expect(argv).not.toContain("virtio-net-pci");
    expect(argv).toContain(disk);
    expect(argv).toContain(iso);
    expect(up.outputs.nic).toBe("e1000");
    expect(up.outputs.rdpForward).toBe("127.0.0.1:3389");
    expect(await bannerFrom(ns, "127.0.0.1", 3389, 90_000)).toBe(banner(3389, "windows"));
  });

  step("refresh right after up finds no drift", async () => {
    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toEqual({ windows: "same", rdp: "same" });
  });

  step("the forward removed by hand over QMP: refresh shows the drift with the engine's diff, up re-adds it live", async () => {
    const qmpSocket = path.join(stack.stateDir, "vms", "windows", "qmp.sock");
    const reply = await withQmp(qmpSocket, (q) => q.execute<string>("human-monitor-command", { "command-line": "hostfwd_remove net0 tcp:127.0.0.1:3389" }));
    expect(reply).toContain("removed");
    expect(tcpOpen(ns, "127.0.0.1", 3389)).toBe(false);
    const from = stack.output.length;
    const refresh = await stack.run(stack.driver().refresh());
    expect(stepOf(refresh, "rdp")).toMatchObject({ op: "refresh", diffs: ["active"] });
    expect(driftShown(kind, stack.output.slice(from), "active")).toBe(true);
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ windows: "same", rdp: "update" });
    expect(stack.qemuPids()).toEqual({ windows: pid });
    expect(await bannerFrom(ns, "127.0.0.1", 3389, 30_000)).toBe(banner(3389, "windows"));
  });

  step("a new RDP port previews and applies as an update of the forward, live (no restart)", async () => {
    const change = { rdpPort: 3390 };
    const preview = await stack.run(stack.driver(change).preview());
    expect(ops(preview)).toEqual({ windows: "same", rdp: "update" });
    expect(stepOf(preview, "rdp")?.diffs).toEqual(["hostPort"]);
    const up = await stack.run(stack.driver(change).up());
    stack.config = { ...stack.config, ...change };
    expect(plan(up)).toEqual(plan(preview));
    expect(stack.qemuPids()).toEqual({ windows: pid });
    expect(await bannerFrom(ns, "127.0.0.1", 3390, 30_000)).toBe(banner(3389, "windows"));
    expect(tcpOpen(ns, "127.0.0.1", 3389)).toBe(false);
  });

  step("nicModel virtio-net-pci previews as a delete-before-replace of the VM, and up does exactly that", async () => {
    const change = { nicModel: "virtio-net-pci" };
    const preview = await stack.run(stack.driver(change).preview());
    expect(stepOf(preview, "windows")).toMatchObject({ op: "replace", replaceKeys: ["nics"], deleteBeforeReplace: true });
    // The forward follows the new QEMU (its instanceId is unknown until the VM is replaced).
    expect(ops(preview)).toEqual({ windows: "replace", rdp: "replace" });
    const up = await stack.run(stack.driver(change).up());
    stack.config = { ...stack.config, ...change };
    expect(plan(up)).toEqual(plan(preview));
    const pids = stack.qemuPids();
    expect(Object.keys(pids)).toEqual(["windows"]);
    expect(pids.windows).not.toBe(pid);
    expect(cmdline(pids.windows!).join(" ")).toContain("virtio-net-pci");
    expect(up.outputs.nic).toBe("virtio-net-pci");
    expect(await bannerFrom(ns, "127.0.0.1", 3390, 90_000)).toBe(banner(3389, "windows"));
  });

  step("destroy stops QEMU and removes the forward and VM state, but never the user's disk or ISO", async () => {
    const destroy = await stack.run(stack.driver().destroy(), "windows-virtio destroy");
    expect(ops(destroy)).toEqual({ windows: "delete", rdp: "delete" });
    expect(stack.qemuPids()).toEqual({});
    expect(stack.vmDirs()).toEqual([]);
    expect(tcpOpen(ns, "127.0.0.1", 3390)).toBe(false);
    expect(fs.existsSync(disk)).toBe(true);
    expect(fs.existsSync(iso)).toBe(true);
    expect(stack.stateNames()).toEqual([]);
  });
});
