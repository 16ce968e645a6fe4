import { LocalTransport } from "../../../provider/host/local-transport";
import { Host } from "../../../provider/host/host";
import { diagnoseVm } from "../../../provider/host/qemu/preflight";
import { kvmProbeImage, imageWriterScript, probeKvm, PROBE_OK_EXIT } from "../../../provider/host/qemu/kvm-probe";
import type { NicSpec, QemuVmSpec } from "../../../provider/host/qemu/qemu-argv";
import { FakeRunner } from "../../support/fake-runner";
import { CommandError } from "../../../provider/host/runner/command-error";
import { MemoryFiles } from "../../support/memory-files";

const HELPER = "/usr/lib/qemu/qemu-bridge-helper";
const LINKS = JSON.stringify([
  { ifindex: 1, ifname: "lo", flags: [], mtu: 65536, addr_info: [] },
  { ifindex: 2, ifname: "br0", flags: [], mtu: 1500, linkinfo: { info_kind: "bridge" }, addr_info: [] },
  { ifindex: 3, ifname: "veth0", flags: [], mtu: 1500, linkinfo: { info_kind: "veth" }, addr_info: [] },
]);
const SS = "tcp LISTEN 0 128 127.0.0.1:2222 0.0.0.0:*\nudp UNCONN 0 0 0.0.0.0:5353 0.0.0.0:*\n";
const bridgeNic = (bridge: string): NicSpec => ({ type: "bridge", id: "net0", bridge, model: "e1000", mac: "52:54:00:00:00:01", helper: HELPER });
const userNic = (hostPort: number, protocol: "tcp" | "udp" = "tcp"): NicSpec => ({ type: "user", id: "net1", model: "e1000", mac: "52:54:00:00:00:02", hostForwards: [{ protocol, hostAddress: "127.0.0.1", hostPort, guestPort: 22 }] });
const base: QemuVmSpec = { name: "vm", memoryMiB: 64, cpus: 1, accel: "tcg", disks: [], cdroms: [], nics: [] };

function setup(opts: { acl?: string; helper?: { mode: number; uid: number } } = {}) {
  const runner = new FakeRunner(true).on(/ip -n lab -j -d addr show/, { stdout: LINKS }).on(/^ip netns exec lab ss -Hlntu$/, { stdout: SS });
  const files = new MemoryFiles(opts.acl === undefined ? {} : { "/etc/netns/lab/qemu/bridge.conf": opts.acl });
  if (opts.helper) files.stats.set(HELPER, opts.helper);
  return { host: new Host({ netns: "lab", stateDir: "/s" }, new LocalTransport(runner, files)), runner, files };
}

describe("diagnoseVm", () => {
  test.each<[string, Partial<QemuVmSpec>, Parameters<typeof setup>[0], boolean, Array<[string, RegExp, RegExp]>]>([
    ["all fine", { nics: [bridgeNic("br0"), userNic(2300)] }, { acl: "allow br0\n", helper: { mode: 0o104755, uid: 0 } }, false, []],
    ["ACL denies the bridge", { nics: [bridgeNic("br0")] }, { acl: "allow br9\n", helper: { mode: 0o104755, uid: 0 } }, true, [
      ["nics[0].bridge", /qemu-bridge-helper would refuse bridge "br0" \(access denied by acl file \/etc\/netns\/lab\/qemu\/bridge\.conf\)/, /add a BridgeAcl resource allowing "br0" with host: \{ netns: "lab" \}/],
    ]],
    ["no ACL file at all", { nics: [bridgeNic("br0")] }, { helper: { mode: 0o104755, uid: 0 } }, true, [["nics[0].bridge", /access denied by acl file/, /BridgeAcl/]]],
    ["bridge missing", { nics: [bridgeNic("nobr")] }, { acl: "allow all\n", helper: { mode: 0o104755, uid: 0 } }, true, [["nics[0].bridge", /bridge "nobr" does not exist in network namespace "lab"/, /Bridge resource named "nobr"/]]],
    ["not a bridge", { nics: [bridgeNic("veth0")] }, { acl: "allow all\n", helper: { mode: 0o104755, uid: 0 } }, true, [["nics[0].bridge", /"veth0" .* is a veth link, not a bridge/, /Linux bridge/]]],
    ["helper missing", { nics: [bridgeNic("br0")] }, { acl: "allow br0\n" }, true, [["nics[0].helper", /qemu-bridge-helper does not exist/, /qemu-system-common/]]],
    ["helper not setuid, QEMU not root", { nics: [bridgeNic("br0")] }, { acl: "allow br0\n", helper: { mode: 0o100755, uid: 0 } }, false, [["nics[0].helper", /is not setuid root/, /chmod u\+s \/usr\/lib\/qemu\/qemu-bridge-helper/]]],
    ["helper not setuid, QEMU root: fine", { nics: [bridgeNic("br0")] }, { acl: "allow br0\n", helper: { mode: 0o100755, uid: 0 } }, true, []],
    ["tcp port taken on that address", { nics: [userNic(2222)] }, {}, true, [["nics[0].hostForwards[0].hostPort", /tcp port 2222 is already in use in network namespace "lab" \(listening on 127\.0\.0\.1:2222\)/, /choose another hostPort.*ip netns exec lab ss -lntup/]]],
    ["udp port taken on every address", { nics: [userNic(5353, "udp")] }, {}, true, [["nics[0].hostForwards[0].hostPort", /udp port 5353 is already in use/, /another hostPort/]]],
    ["same port, other protocol: fine", { nics: [userNic(2222, "udp")] }, {}, true, []],
    ["a disk path with a space and a quote: the suggested command quotes it (issue 12, defect 8)", { disks: [{ path: "/srv/my disk's.qcow2", readOnly: false, interface: "virtio" }] }, {}, true, [
      ["disks[0].path", /does not exist/, /^create the image first \(e\.g\. `qemu-img create -f qcow2 '\/srv\/my disk'\\''s\.qcow2' 10G`\)$/],
    ]],
    ["missing kernel, disk and ISO", { kernel: "/k", disks: [{ path: "/d.qcow2", readOnly: false, interface: "virtio" }], cdroms: ["/virtio-win.iso"] }, {}, true, [
      ["kernel", /\/k does not exist/, /existing file/], ["disks[0].path", /\/d\.qcow2 does not exist/, /qemu-img create/], ["cdroms[0]", /virtio-win\.iso does not exist/, /ISO/],
    ]],
  ])("%s", async (_t, over, env, root, expected) => {
    const { host } = setup(env);
    const problems = await diagnoseVm(host, { ...base, ...over }, { runningAsRoot: root });
    expect(problems.map((p) => p.property)).toEqual(expected.map((e) => e[0]));
    problems.forEach((p, i) => {
      expect(p.what).toMatch(expected[i]![1]);
      expect(p.fix).toMatch(expected[i]![2]);
    });
  });

  test("no host forwards and no bridges: no process is run", async () => {
    const { host, runner } = setup();
    expect(await diagnoseVm(host, base)).toEqual([]);
    expect(runner.commands()).toEqual([]);
  });
});

describe("KVM probe", () => {
  test("the image: 64 KiB, reset vector jumps to 0, protected-mode code writes 0x42 to port 0xf4", () => {
    const img = kvmProbeImage();
    expect(img.length).toBe(65536);
    expect([...img.subarray(0xfff0, 0xfff3)]).toEqual([0xe9, 0x0d, 0x00]);
    expect([...img.subarray(0x40, 0x44)]).toEqual([0xb0, 0x42, 0xe6, 0xf4]);
    expect(PROBE_OK_EXIT).toBe((0x42 << 1) | 1);
  });

  test("the writer script: printf spans for code, /dev/zero for gaps, in order", () => {
    const img = new Uint8Array(64);
    img.set([1, 0, 2], 0);
    img.set([0o377], 40);
    expect(imageWriterScript(img)).toBe(`{ printf '\\001\\000\\002'; head -c 37 /dev/zero; printf '\\377'; head -c 23 /dev/zero; } > "$1"`);
  });

  test.each<[string, boolean, { exitCode?: number; stderr?: string } | "timeout", boolean, RegExp]>([
    ["no /dev/kvm", false, { exitCode: PROBE_OK_EXIT }, false, /\/dev\/kvm does not exist/],
    ["probe exits 133", true, { exitCode: PROBE_OK_EXIT }, true, /ran the protected-mode probe/],
    ["probe hangs (nested KVM)", true, "timeout", false, /initializes but cannot run guest code/],
    ["KVM refuses", true, { exitCode: 1, stderr: "Could not access KVM kernel module: Permission denied" }, false, /Permission denied/],
  ])("%s", async (_t, devKvm, answer, usable, detail) => {
    const runner = new FakeRunner(true).on(/^sh -c /, {});
    if (answer === "timeout") {
      const run = runner.run.bind(runner);
      // The runner kills a command at its deadline and reports timedOut: what a hung vCPU looks like.
      runner.run = async (argv, o) => {
        if (argv[0] !== "qemu-system-x86_64") return run(argv, o);
        runner.calls.push({ argv: [...argv] });
        throw new CommandError({ argv, exitCode: -1, stdout: "", stderr: "", timedOut: true });
      };
    }
    if (answer !== "timeout") runner.on(/^qemu-system-x86_64 -accel kvm/, answer);
    const files = new MemoryFiles();
    if (devKvm) files.stats.set("/dev/kvm", { mode: 0o20660, uid: 0 });
    const r = await probeKvm(new Host({ stateDir: "/s" }, new LocalTransport(runner, files)));
    expect(r.usable).toBe(usable);
    expect(r.detail).toMatch(detail);
    expect(runner.commands().some((c) => new RegExp(`^qemu-system-x86_64 -accel kvm -machine pc -nodefaults -bios /s/kvm-probe\\.${process.pid}\\.[0-9a-f-]{36}\\.bin `).test(c))).toBe(devKvm);
  });
});
