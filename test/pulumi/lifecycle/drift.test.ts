/**
 * Drift for every resource kind, through the real Pulumi runtime: a change made by hand on the host is shown by
 * refresh (a "refresh" step naming the property, or the resource gone) and repaired by the next up; the host is
 * re-read after each step to prove it. One stack of fixtures/drift-lab walked through its life.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { withQmp } from "../../../provider/host/qemu/qmp-client";
import { ensureTestGuest } from "../../support/guest";
import { linkIn, netnsList, sh, uniqueName } from "../../support/netns";
import { waitGone } from "../../support/processes";
import { banner, bannerFrom, bridgeConfLines, ipv4Of, LabStack, ops, stepOf, tcpOpen } from "./lab-stack";
import type { OperationResult } from "../../../driver";

jest.setTimeout(180_000);

const ALL = ["acl", "br", "fwd", "lab", "port", "spare", "uplink", "veth", "vm"];

/** Steps of a refresh that are not "same", as "name op [diffs]". */
function driftOf(result: OperationResult): string[] {
  return result.steps.filter((s) => s.custom && s.op !== "same").map((s) => `${s.name} ${s.op} [${s.diffs.join(", ")}]`);
}

describe("drift made by hand: refresh shows it, up repairs it", () => {
  const lab = uniqueName("qld");
  const spare = uniqueName("qls");
  let stack: LabStack;

  /** refresh, then up; returns both (the up must only touch what drifted). */
  async function refreshAndUp(): Promise<{ refresh: OperationResult; up: OperationResult }> {
    const refresh = await stack.run(stack.driver().refresh());
    const up = await stack.run(stack.driver().up());
    return { refresh, up };
  }

  /** After a repair every resource reads back the same. */
  async function expectNoDrift(): Promise<void> {
    expect(driftOf(await stack.run(stack.driver().refresh()))).toEqual([]);
  }

  beforeAll(async () => {
    const guest = await ensureTestGuest();
    stack = new LabStack(path.join(__dirname, "fixtures", "drift-lab"), {
      namespace: lab,
      spareNamespace: spare,
      kernel: guest.kernel,
      initrd: guest.initrd,
      accel: "tcg",
    });
  });

  afterAll(async () => {
    const forced = await stack.cleanup([lab, spare]);
    expect(forced).toEqual([]);
    expect(netnsList()).not.toContain(lab);
    expect(netnsList()).not.toContain(spare);
  });

  it("up creates one of every kind, and a refresh right after finds no drift", async () => {
    const up = await stack.run(stack.driver().up());
    expect(Object.keys(ops(up)).sort()).toEqual(ALL);
    expect(Object.values(ops(up)).every((op) => op === "create")).toBe(true);
    expect(linkIn(lab, "up0")?.master).toBe("dbr0");
    expect(bridgeConfLines(lab)).toEqual(["allow dbr0"]);
    expect(await bannerFrom(lab, "127.0.0.1", 2222)).toBe(banner(22, "dvm"));
    await expectNoDrift();
  });

  it("Bridge: address removed, STP on and set down by hand → refresh shows each, up restores them", async () => {
    sh(["ip", "-n", lab, "addr", "del", "10.77.0.1/24", "dev", "dbr0"]);
    sh(["ip", "-n", lab, "link", "set", "dbr0", "type", "bridge", "stp_state", "1"]);
    sh(["ip", "-n", lab, "link", "set", "dbr0", "down"]);
    const { refresh, up } = await refreshAndUp();
    expect(stepOf(refresh, "br")?.op).toBe("refresh");
    expect(stepOf(refresh, "br")?.diffs).toEqual(expect.arrayContaining(["addresses", "stp", "up"]));
    expect(stepOf(up, "br")?.op).toBe("update");
    const br = linkIn(lab, "dbr0");
    expect(ipv4Of(lab, "dbr0")).toEqual(["10.77.0.1/24"]);
    expect(br?.linkinfo?.info_data?.stp_state).toBe(0);
    expect(br?.flags).toContain("UP");
    await expectNoDrift();
  });

  it("BridgeAcl: its line deleted from bridge.conf → refresh shows it, up writes it back", async () => {
    const conf = `/etc/netns/${lab}/qemu/bridge.conf`;
    fs.writeFileSync(conf, fs.readFileSync(conf, "utf8").replace(/^allow dbr0\n?/m, ""));
    expect(bridgeConfLines(lab)).toEqual([]);
    const { refresh, up } = await refreshAndUp();
    // Our marker still stands: refresh shows the line missing (drift), up writes it back under the same marker.
    expect(stepOf(refresh, "acl")).toMatchObject({ op: "refresh" });
    expect(stepOf(refresh, "acl")?.diffs).toEqual(expect.arrayContaining(["action", "line"]));
    expect(stepOf(up, "acl")?.op).toBe("update");
    expect(bridgeConfLines(lab)).toEqual(["allow dbr0"]);
    await expectNoDrift();
  });

  it("PhysicalPortAttachment: port released with nomaster → refresh shows it, up enslaves it again", async () => {
    sh(["ip", "-n", lab, "link", "set", "up0", "nomaster"]);
    const { refresh, up } = await refreshAndUp();
    expect(stepOf(refresh, "port")).toMatchObject({ op: "refresh", diffs: ["bridge"] });
    expect(stepOf(up, "port")?.op).toBe("update");
    expect(linkIn(lab, "up0")?.master).toBe("dbr0");
    await expectNoDrift();
  });

  it("VethPair: deleted by hand → refresh drops it, up creates it again", async () => {
    sh(["ip", "-n", lab, "link", "del", "vt0"]);
    const { refresh, up } = await refreshAndUp();
    expect(stepOf(refresh, "veth")?.op).toBe("delete");
    expect(stack.stateNames()).toEqual(ALL);
    expect(stepOf(up, "veth")?.op).toBe("create");
    expect(linkIn(lab, "vt0")?.linkinfo?.info_kind).toBe("veth");
    expect(linkIn(lab, "vt0p")?.linkinfo?.info_kind).toBe("veth");
    await expectNoDrift();
  });

  it("NetworkNamespace: deleted by hand → refresh drops it, up creates it again", async () => {
    sh(["ip", "netns", "delete", spare]);
    const { refresh, up } = await refreshAndUp();
    expect(stepOf(refresh, "spare")?.op).toBe("delete");
    expect(stepOf(up, "spare")?.op).toBe("create");
    expect(netnsList()).toContain(spare);
    await expectNoDrift();
  });

  it("QemuVm: kill -9 → refresh shows it stopped, up restarts it and its forward answers again", async () => {
    const pid = stack.qemuPids().dvm!;
    expect(pid).toBeDefined();
    process.kill(pid, "SIGKILL");
    expect(await waitGone(pid)).toBe(true);
    const refresh = await stack.run(stack.driver().refresh());
    expect(stepOf(refresh, "vm")?.op).toBe("refresh");
    expect(stepOf(refresh, "vm")?.diffs).toEqual(expect.arrayContaining(["pid", "status"]));
    expect(stack.outputs("vm").status).toBe("stopped"); // what refresh recorded
    expect(stack.outputs("vm").pid).toBeUndefined();
    const up = await stack.run(stack.driver().up());
    expect(stack.outputs("vm").status).toBe("running");
    expect(stepOf(up, "vm")?.op).toBe("update");
    // The forward died with QEMU: refresh dropped it, up creates it on the new QEMU.
    expect(stepOf(refresh, "fwd")?.op).toBe("delete");
    expect(stepOf(up, "fwd")?.op).toBe("create");
    const now = stack.qemuPids().dvm;
    expect(now).toBeDefined();
    expect(now).not.toBe(pid);
    expect(await bannerFrom(lab, "127.0.0.1", 2222)).toBe(banner(22, "dvm"));
    await expectNoDrift();
  });

  it("PortForward: removed by hand over QMP (hostfwd_remove) → refresh shows it inactive, up re-adds it", async () => {
    const qmpSocket = path.join(stack.stateDir, "vms", "dvm", "qmp.sock");
    const reply = await withQmp(qmpSocket, (q) => q.execute<string>("human-monitor-command", { "command-line": "hostfwd_remove net0 tcp:127.0.0.1:2222" }));
    expect(reply).toContain("removed");
    expect(tcpOpen(lab, "127.0.0.1", 2222)).toBe(false);
    const pid = stack.qemuPids().dvm;
    const { refresh, up } = await refreshAndUp();
    expect(stepOf(refresh, "fwd")).toMatchObject({ op: "refresh", diffs: ["active"] });
    expect(stepOf(up, "fwd")?.op).toBe("update");
    expect(stepOf(up, "vm")?.op).toBe("same");
    expect(stack.qemuPids().dvm).toBe(pid);
    expect(await bannerFrom(lab, "127.0.0.1", 2222, 10_000)).toBe(banner(22, "dvm"));
    await expectNoDrift();
  });

  let leftoverConf: string | undefined = "(destroy did not run)";
  it("destroy leaves nothing: namespaces, /etc/netns, QEMU, VM state", async () => {
    const destroy = await stack.run(stack.driver().destroy());
    expect(Object.values(ops(destroy)).every((op) => op === "delete")).toBe(true);
    expect(netnsList()).not.toContain(lab);
    expect(netnsList()).not.toContain(spare);
    expect(bridgeConfLines(lab) ?? []).toEqual([]);
    leftoverConf = fs.existsSync(`/etc/netns/${lab}/qemu/bridge.conf`) ? fs.readFileSync(`/etc/netns/${lab}/qemu/bridge.conf`, "utf8") : undefined;
    expect(stack.qemuPids()).toEqual({});
    expect(stack.vmDirs()).toEqual([]);
    expect(stack.stateNames()).toEqual([]);
  });

  // The hand edit removed the `allow dbr0` line but not its marker: up restored the line under that same marker, so
  // destroy leaves no orphaned marker keeping /etc/netns/<ns>/qemu/bridge.conf (and the folder) alive.
  it("destroy leaves no /etc/netns/<ns> behind even after the ACL line was deleted by hand", () => {
    expect(leftoverConf).toBeUndefined();
  });
});
