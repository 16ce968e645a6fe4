import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
/** Issue 12, defect 8: the low-severity findings, each pinned by a test that fails without its fix. */
import { vmPaths, qmpSocketProblem } from "../../../provider/host/qemu/vm-paths";
import { makeProvider } from "../../../provider/kinds";
import { bridgeHandler } from "../../../provider/resources/bridge/lifecycle";
import { qemuVmHandler } from "../../../provider/resources/qemu-vm/lifecycle";
import { vethPairHandler } from "../../../provider/resources/veth-pair/lifecycle";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";

const failures = (r: { failures: { property: string; reason: string }[] }) => r.failures.map((f) => `${f.property}: ${f.reason}`);

test.each(["all", "default"])("a bridge or veth named %s (ip reads it as every/default device) is refused at check", (name) => {
  expect(failures(bridgeHandler.check({}, { name }))).toEqual([`name: "${name}" is reserved (ip and the kernel read it as every device or the default): choose another name`]);
  expect(failures(vethPairHandler.check({}, { name: "va0", peerName: name }))).toEqual([
    `peerName: "${name}" is reserved (ip and the kernel read it as every device or the default): choose another name`,
  ]);
});

test("the QMP socket limit counts bytes, not UTF-16 units: 40 'é' are 80 bytes", () => {
  const stateDir = "/" + "é".repeat(40) + "/" + "s".repeat(20); // with the socket: 79 UTF-16 units, 119 bytes
  expect(qmpSocketProblem(stateDir, "vm1")).toMatch(/is 119 bytes, over the unix socket limit of 107/);
  expect(qmpSocketProblem("/" + "s".repeat(80), "vm1")).toBeUndefined();
});

test("arrays and strings are bounded: 5,000 NICs, 1 MB paths and 10,000 addresses fail at check", () => {
  const nics = Array.from({ length: 5000 }, () => ({ type: "user" }));
  expect(failures(qemuVmHandler.check({}, { name: "vm1", nics }))).toEqual(["nics: must list at most 28 NICs (the PCI slots a pc/q35 machine has left)"]);
  expect(failures(qemuVmHandler.check({}, { name: "vm1", nics: [], kernel: "/" + "k".repeat(1_000_000) }))).toEqual([
    "kernel: must be at most 4095 characters (Linux's PATH_MAX)",
  ]);
  const addresses = Array.from({ length: 10_000 }, (_, i) => `10.${i >> 8}.${i & 255}.1/32`);
  expect(failures(bridgeHandler.check({}, { name: "br0", addresses }))).toEqual(["addresses: must list at most 256 addresses"]);
});

describe("recorded state is validated again before it becomes a path", () => {
  test("vmPaths refuses a name or stateDir that would escape", () => {
    expect(() => vmPaths("/var/lib/qemu-lab", "../../..")).toThrow(/invalid VM name "..\/..\/..": the recorded state was edited or is corrupt/);
    expect(() => vmPaths("/var/lib/../../etc", "vm1")).toThrow(/invalid stateDir/);
    expect(vmPaths(undefined, "vm1").dir).toBe("/var/lib/qemu-lab/vms/vm1");
  });

  test("QemuVm delete with a forged name removes nothing and says why", async () => {
    // Contained: without the check this delete would remove <tmp> (stateDir/vms/../../..), never more.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-forged-"));
    const stateDir = path.join(tmp, "a");
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(tmp, "sentinel"), "x");
    try {
      const runner = new FakeRunner();
      const p = makeProvider("QemuVm", testContext(runner));
      await expect(p.delete!("x", { name: "../..", host: { stateDir }, nics: [] })).rejects.toThrow(/invalid VM name/);
      expect(fs.existsSync(path.join(tmp, "sentinel"))).toBe(true);
      expect(runner.commands()).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("a recorded host with a relative stateDir or a bad netns is refused by every read and delete", async () => {
    const p = makeProvider("Bridge", testContext(new FakeRunner()));
    await expect(p.read!("br0", { name: "br0", host: { netns: "../x" } })).rejects.toThrow(/recorded host .* is invalid \(host\.netns: /);
    await expect(p.delete!("br0", { name: "br0", host: { stateDir: "tmp" }, created: true })).rejects.toThrow(/host\.stateDir: must be an absolute path/);
  });
});
