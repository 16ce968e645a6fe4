import { formatHostFwdRule } from "../../../provider/host/qemu/hostfwd";
import { accelArgs, buildQemuArgv, type NicSpec, type QemuVmSpec } from "../../../provider/host/qemu/qemu-argv";
import { qemuOptValue } from "../../../provider/host/qemu/qemu-escape";
import { isUnicastMac, stableMac } from "../../../provider/host/qemu/mac-address";
import { vmPaths } from "../../../provider/host/qemu/vm-paths";

const files = vmPaths("/var/lib/qemu-lab", "vm1");
const base: QemuVmSpec = { name: "vm1", memoryMiB: 512, cpus: 1, accel: "tcg", disks: [], cdroms: [], nics: [] };
const TAIL = [
  "-display", "none", "-monitor", "none",
  "-chardev", "file,id=serial0,path=/var/lib/qemu-lab/vms/vm1/serial.log", "-serial", "chardev:serial0",
  "-chardev", "socket,id=qmp,path=/var/lib/qemu-lab/vms/vm1/qmp.sock,server=on,wait=off", "-mon", "chardev=qmp,mode=control",
  "-pidfile", "/var/lib/qemu-lab/vms/vm1/qemu.pid", "-daemonize",
];

describe("qemuOptValue", () => {
  test.each([
    ["/a/b.qcow2", "/a/b.qcow2"],
    ["/a,b/c", "/a,,b/c"],
    ["/x,,y", "/x,,,,y"],
    ["", ""],
  ])("%j -> %j", (input, out) => expect(qemuOptValue(input)).toBe(out));
  test.each(["/a\nb", "/a\0b", "/a\rb"])("rejects %j", (v) => expect(() => qemuOptValue(v)).toThrow(/NUL or newline/));
});

describe("hostfwd rules on the command line / accelArgs", () => {
  test.each([
    [{ protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 2222, guestPort: 22 }, "tcp:0.0.0.0:2222-:22"],
    [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 }, "tcp:127.0.0.1:2222-:22"],
    [{ protocol: "udp", hostAddress: "10.1.2.3", hostPort: 5353, guestPort: 53 }, "udp:10.1.2.3:5353-:53"],
  ] as const)("%j -> %s", (f, out) => expect(formatHostFwdRule(f)).toBe(out));
  test.each([
    ["tcg", ["-accel", "tcg"]],
    ["kvm", ["-accel", "kvm"]],
    ["auto", ["-accel", "kvm", "-accel", "tcg"]],
  ] as const)("%s", (a, out) => expect(accelArgs(a)).toEqual(out));
});

describe("buildQemuArgv", () => {
  const user: NicSpec = { type: "user", id: "net0", model: "virtio-net-pci", mac: "52:54:00:aa:bb:cc", hostForwards: [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 }] };
  const bridge: NicSpec = { type: "bridge", id: "net1", bridge: "virbr0", model: "e1000", mac: "52:54:00:00:00:01", helper: "/usr/lib/qemu/qemu-bridge-helper" };
  test.each<[string, Partial<QemuVmSpec>, string[]]>([
    ["minimal: no NIC means -nic none", {}, ["-nic", "none"]],
    ["machine, cpu, smp, memory", { machine: "q35", cpuModel: "max", cpus: 4, memoryMiB: 2048 }, ["-nic", "none"]],
    ["kernel, initrd, append verbatim (commas are not option separators there)", { kernel: "/k/vmlinuz", initrd: "/k/initrd,x", kernelArgs: "console=ttyS0 a,b" }, ["-nic", "none"]],
    ["disk with format, interface, readonly; commas doubled", { disks: [{ path: "/img/a,b.qcow2", format: "qcow2", interface: "virtio", readOnly: true }] }, ["-drive", "id=disk0,file=/img/a,,b.qcow2,format=qcow2,if=virtio,readonly=on", "-nic", "none"]],
    ["disk without format, writable", { disks: [{ path: "/img/d.raw", interface: "ide", readOnly: false }] }, ["-drive", "id=disk0,file=/img/d.raw,if=ide", "-nic", "none"]],
    ["cdrom", { cdroms: ["/iso/virtio-win.iso"] }, ["-drive", "file=/iso/virtio-win.iso,media=cdrom,readonly=on", "-nic", "none"]],
    ["two disks get ids by position; the cloud-init seed is a raw read-only virtio disk after every other drive", {
      disks: [{ path: "/img/ov.qcow2", format: "qcow2", interface: "virtio", readOnly: false, overlay: { backingFile: "/img/base.qcow2" } }, { path: "/img/data.raw", format: "raw", interface: "virtio", readOnly: false }],
      cdroms: ["/iso/x.iso"], seedIso: "/var/lib/qemu-lab/vms/vm1/seed.iso",
    }, [
      "-drive", "id=disk0,file=/img/ov.qcow2,format=qcow2,if=virtio", "-drive", "id=disk1,file=/img/data.raw,format=raw,if=virtio",
      "-drive", "file=/iso/x.iso,media=cdrom,readonly=on",
      "-drive", "id=cidata,file=/var/lib/qemu-lab/vms/vm1/seed.iso,format=raw,if=virtio,readonly=on", "-nic", "none",
    ]],
    ["user NIC with a forward", { nics: [user] }, ["-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc"]],
    ["user + bridge NIC (e1000)", { nics: [user, bridge] }, [
      "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc",
      "-netdev", "bridge,id=net1,br=virbr0,helper=/usr/lib/qemu/qemu-bridge-helper", "-device", "e1000,netdev=net1,mac=52:54:00:00:00:01",
    ]],
    ["user NIC with two forwards", { nics: [{ ...user, hostForwards: [{ protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 2222, guestPort: 22 }, { protocol: "udp", hostAddress: "0.0.0.0", hostPort: 5353, guestPort: 53 }] }] }, [
      "-netdev", "user,id=net0,hostfwd=tcp:0.0.0.0:2222-:22,hostfwd=udp:0.0.0.0:5353-:53", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc",
    ]],
  ])("%s", (_t, over, middle) => {
    const spec = { ...base, ...over };
    const head = ["-name", "guest=vm1", "-accel", "tcg"];
    if (spec.machine) head.push("-machine", spec.machine);
    if (spec.cpuModel) head.push("-cpu", spec.cpuModel);
    head.push("-m", String(spec.memoryMiB), "-smp", String(spec.cpus));
    if (spec.kernel) head.push("-kernel", spec.kernel);
    if (spec.initrd) head.push("-initrd", spec.initrd);
    if (spec.kernelArgs) head.push("-append", spec.kernelArgs);
    expect(buildQemuArgv(spec, files)).toEqual([...head, ...middle, ...TAIL]);
  });

  test("the full argv of a small VM, literally", () => {
    expect(buildQemuArgv({ ...base, accel: "auto", kernel: "/k", kernelArgs: "quiet", nics: [user] }, files).join(" ")).toBe(
      "-name guest=vm1 -accel kvm -accel tcg -m 512 -smp 1 -kernel /k -append quiet " +
        "-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22 -device virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc " +
        TAIL.join(" "),
    );
  });

  test("a state dir with a comma is escaped inside -chardev", () => {
    const argv = buildQemuArgv(base, vmPaths("/tmp/a,b", "vm1"));
    expect(argv).toContain("socket,id=qmp,path=/tmp/a,,b/vms/vm1/qmp.sock,server=on,wait=off");
    expect(argv).toContain("file,id=serial0,path=/tmp/a,,b/vms/vm1/serial.log");
  });
});

describe("stableMac", () => {
  // Pinned values: a VM re-created by a later release must keep its MACs (and so its DHCP leases).
  test.each([
    ["vm1", 0, "52:54:00:ea:97:99"],
    ["vm1", 1, "52:54:00:38:e9:5e"],
    ["win11", 0, "52:54:00:ab:93:44"],
  ])("%s/%i is %s: 52:54:00 + 3 bytes of sha256(name/index), unicast", (name, i, mac) => {
    expect(stableMac(name, i)).toBe(mac);
    expect(isUnicastMac(mac)).toBe(true);
  });
  test("differs by name and by index", () => {
    expect(new Set([stableMac("vm1", 0), stableMac("vm1", 1), stableMac("vm2", 0)]).size).toBe(3);
  });
  test("exact value (sha256 of 'vm1/0')", () => {
    const h = require("node:crypto").createHash("sha256").update("vm1/0").digest("hex") as string;
    expect(stableMac("vm1", 0)).toBe(`52:54:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`);
  });
  test.each([
    ["52:54:00:12:34:56", true],
    ["01:00:5e:00:00:01", false],
    ["ff:ff:ff:ff:ff:ff", false],
    ["02:00:00:00:00:00", true],
  ])("isUnicastMac(%s) = %s", (m, u) => expect(isUnicastMac(m)).toBe(u));
});
