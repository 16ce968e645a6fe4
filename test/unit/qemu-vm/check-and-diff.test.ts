import { portForwardHandler } from "../../../provider/resources/port-forward/lifecycle";
import { diffQemuVm } from "../../../provider/resources/qemu-vm/diff";
import { qemuVmHandler } from "../../../provider/resources/qemu-vm/lifecycle";
import type { QemuVmInputs, QemuVmState } from "../../../provider/resources/qemu-vm/schema";
import { stableMac } from "../../../provider/host/qemu/mac-address";
import { UNKNOWN } from "../../../provider/resources/common/unknown";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";
import { makeProvider } from "../../../provider/kinds";

const check = (news: Record<string, unknown>) => qemuVmHandler.check({}, news);
const ok = { name: "vm1", nics: [] };

describe("QemuVm check", () => {
  test("applies defaults, NIC ids by position and stable MACs", () => {
    const r = check({ name: "vm1", nics: [{ type: "user", hostForwards: [{ hostPort: 2222, guestPort: 22 }] }, { type: "bridge", bridge: "br0", model: "e1000" }] });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({
      name: "vm1", memoryMiB: 512, cpus: 1, accel: "auto", disks: [], cdroms: [], stopTimeoutSeconds: 30, host: {},
      nics: [
        { type: "user", id: "net0", model: "virtio-net-pci", mac: "52:54:00:ea:97:99", hostForwards: [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 }] },
        { type: "bridge", id: "net1", bridge: "br0", model: "e1000", mac: "52:54:00:38:e9:5e", helper: "/usr/lib/qemu/qemu-bridge-helper" },
      ],
    });
  });

  test("normalizes a given MAC to lower case and an empty hostAddress to 0.0.0.0", () => {
    const r = check({ name: "vm1", nics: [{ type: "user", mac: "52:54:00:AB:CD:EF", hostForwards: [{ hostAddress: "", hostPort: 1, guestPort: 2 }] }] });
    expect((r.inputs.nics[0] as any).mac).toBe("52:54:00:ab:cd:ef");
    expect((r.inputs.nics[0] as any).hostForwards[0].hostAddress).toBe("0.0.0.0");
  });

  test.each<[string, Record<string, unknown>, Array<[string, RegExp]>]>([
    ["name with a slash", { ...ok, name: "../etc" }, [["name", /letters, digits/]]],
    ["name with a comma", { ...ok, name: "a,b" }, [["name", /letters, digits/]]],
    ["name too long", { ...ok, name: "a".repeat(64) }, [["name", /1–63/]]],
    ["nics missing", { name: "vm1" }, [["nics", /Required/]]],
    ["memory too small and fractional cpus", { ...ok, memoryMiB: 8, cpus: 1.5 }, [["memoryMiB", /at least 16/], ["cpus", /integer/]]],
    ["unknown accel", { ...ok, accel: "hvf" }, [["accel", /kvm.*tcg.*auto/]]],
    ["machine with option injection", { ...ok, machine: "q35,accel=kvm" }, [["machine", /machine type/]]],
    ["relative kernel, initrd without kernel", { ...ok, kernel: "vmlinuz" }, [["kernel", /absolute/]]],
    ["initrd and kernelArgs without kernel", { ...ok, initrd: "/i", kernelArgs: "quiet" }, [["initrd", /needs `kernel`/], ["kernelArgs", /needs `kernel`/]]],
    ["kernelArgs with newline", { ...ok, kernel: "/k", kernelArgs: "a\nb" }, [["kernelArgs", /newline/]]],
    ["disk path with .. and bad format", { ...ok, disks: [{ path: "/a/../b", format: "iso" }] }, [["disks[0].path", /'\.\.'/], ["disks[0].format", /raw/]]],
    ["cdrom relative", { ...ok, cdroms: ["virtio-win.iso"] }, [["cdroms[0]", /absolute/]]],
    ["unknown nic type", { ...ok, nics: [{ type: "tap" }] }, [["nics[0].type", /user.*bridge/]]],
    ["bad model and multicast MAC", { ...ok, nics: [{ type: "user", model: "ne2k", mac: "01:00:5e:00:00:01" }] }, [["nics[0].model", /virtio-net-pci/], ["nics[0].mac", /unicast/]]],
    ["bad port numbers and address", { ...ok, nics: [{ type: "user", hostForwards: [{ hostPort: 0, guestPort: 70000, hostAddress: "::1" }] }] }, [
      ["nics[0].hostForwards[0].hostAddress", /IPv4/], ["nics[0].hostForwards[0].hostPort", /between 1 and 65535/], ["nics[0].hostForwards[0].guestPort", /between 1 and 65535/],
    ]],
    ["bridge name too long, helper with a space", { ...ok, nics: [{ type: "bridge", bridge: "b".repeat(16), helper: "/usr/lib/qemu/bridge helper" }] }, [["nics[0].bridge", /15/], ["nics[0].helper", /sh -c/]]],
    ["duplicate ids, MACs and forwarded ports", { ...ok, nics: [
      { type: "user", id: "wan", mac: "52:54:00:00:00:01", hostForwards: [{ hostPort: 2222, guestPort: 22 }] },
      { type: "user", id: "wan", mac: "52:54:00:00:00:01", hostForwards: [{ hostPort: 2222, guestPort: 80 }] },
    ] }, [["nics[1].id", /duplicates the id of nics\[0\]/], ["nics[1].mac", /duplicates the MAC/], ["nics[1].hostForwards[0].hostPort", /already forwarded by nics\[0\]\.hostForwards\[0\]/]]],
    ["QMP socket path over the unix limit", { ...ok, name: "a".repeat(63), host: { stateDir: "/" + "s".repeat(40) } }, [["name", /unix socket limit/]]],
    ["unknown property", { ...ok, memory: 512 }, [["(inputs)", /Unrecognized key.*memory/]]],
    ["host.stateDir relative", { ...ok, host: { stateDir: "state" } }, [["host.stateDir", /absolute/]]],
  ])("%s", (_t, news, expected) => {
    const r = check(news);
    expect(r.failures.map((f) => f.property)).toEqual(expected.map(([p]) => p));
    r.failures.forEach((f, i) => expect(f.reason).toMatch(expected[i]![1]));
  });

  test("values unknown in preview pass", () => {
    expect(check({ name: "vm1", memoryMiB: UNKNOWN, nics: [{ type: "bridge", bridge: UNKNOWN }] }).failures).toEqual([]);
  });

  test("the provider auto-names from the resource name and keeps the name (and so the MACs)", async () => {
    const p = makeProvider("QemuVm", testContext(new FakeRunner(true)));
    const first = await p.check!({}, { __resourceName: "web", nics: [{ type: "user" }] });
    expect(first.failures).toEqual([]);
    expect(first.inputs.name).toMatch(/^web-[0-9a-f]{5}$/);
    const again = await p.check!(first.inputs, { __resourceName: "web", nics: [{ type: "user" }] });
    expect(again.inputs.name).toBe(first.inputs.name);
    expect(again.inputs.nics[0].mac).toBe(stableMac(first.inputs.name, 0));
  });
});

describe("QemuVm diff", () => {
  const inputs = check({
    name: "vm1",
    kernel: "/k",
    nics: [{ type: "user", hostForwards: [{ hostPort: 2222, guestPort: 22 }] }, { type: "bridge", bridge: "br0" }],
  }).inputs;
  const state: QemuVmState = { ...inputs, instanceId: "i", pid: 1, qmpSocket: "/s", serialLog: "/l", macs: [], ipAddresses: [], status: "running" };
  const nicsWith = (f: (n: any[]) => void) => {
    const nics = JSON.parse(JSON.stringify(inputs.nics));
    f(nics);
    return nics;
  };
  test.each<[string, Partial<QemuVmInputs>, Partial<QemuVmState>, string[], string[]]>([
    ["no change", {}, {}, [], []],
    ["memory", { memoryMiB: 1024 }, {}, [], ["memoryMiB"]],
    ["cpus and accel", { cpus: 2, accel: "tcg" }, {}, [], ["cpus", "accel"]],
    ["kernelArgs", { kernelArgs: "quiet" }, {}, [], ["kernelArgs"]],
    ["disks", { disks: [{ path: "/d", readOnly: false, interface: "virtio", keepOnDelete: false }] }, {}, [], ["disks"]],
    ["cdroms", { cdroms: ["/iso"] }, {}, [], ["cdroms"]],
    ["host", { host: { netns: "lab" } }, {}, [], ["host"]],
    ["name", { name: "vm2" }, {}, [], ["name"]],
    ["a forward added: live", { nics: nicsWith((n) => n[0].hostForwards.push({ protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 8080, guestPort: 80 })) }, {}, ["nics"], []],
    ["a forward removed: live", { nics: nicsWith((n) => (n[0].hostForwards = [])) }, {}, ["nics"], []],
    ["NIC model: replace", { nics: nicsWith((n) => (n[1].model = "e1000")) }, {}, [], ["nics"]],
    ["NIC model and a forward: replace wins", { nics: nicsWith((n) => ((n[1].model = "e1000"), (n[0].hostForwards = []))) }, {}, [], ["nics"]],
    ["a NIC added: replace", { nics: nicsWith((n) => n.push({ type: "user", id: "net2", model: "e1000", mac: "52:54:00:00:00:09", hostForwards: [] })) }, {}, [], ["nics"]],
    ["bridge changed: replace", { nics: nicsWith((n) => (n[1].bridge = "br1")) }, {}, [], ["nics"]],
    ["stopTimeoutSeconds: update (delete reads it)", { stopTimeoutSeconds: 5 }, {}, ["stopTimeoutSeconds"], []],
    ["process gone (read: stopped): update starts it", {}, { status: "stopped" }, ["status"], []],
    ["paused: update resumes it", {}, { status: "paused" }, ["status"], []],
    ["guest crashed: update restarts it", {}, { status: "internal-error" }, ["status"], []],
    ["unresponsive QMP: left alone", {}, { status: "unresponsive" }, [], []],
    ["stopped and memory changed: replace", { memoryMiB: 64 }, { status: "stopped" }, ["status"], ["memoryMiB"]],
  ])("%s", (_t, newOver, oldOver, updates, replaces) => {
    const d = diffQemuVm({ ...state, ...oldOver }, { ...inputs, ...newOver });
    expect(d).toEqual({ changes: updates.length + replaces.length > 0, updates, replaces, deleteBeforeReplace: replaces.length > 0 });
  });
});

test("inline hostForwards and PortForward share one default listen address, loopback (issue 12, defect 8)", () => {
  const inline = (check({ name: "vm1", nics: [{ type: "user", hostForwards: [{ hostPort: 1, guestPort: 2 }] }] }).inputs.nics[0] as any).hostForwards[0].hostAddress;
  const standalone = portForwardHandler.check({}, { vm: "vm1", hostPort: 1, guestPort: 2 }).inputs.hostAddress;
  expect([inline, standalone]).toEqual(["127.0.0.1", "127.0.0.1"]);
});
