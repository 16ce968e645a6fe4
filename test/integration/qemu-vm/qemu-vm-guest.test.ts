import { existsSync, readFileSync } from "node:fs";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { sh, TestNamespaces } from "../../support/netns";
import { bannerFrom, ensureTestGuest, expectedGuestBanner, GUEST_READY_MARKER, guestKernelArgs } from "../../support/guest";
import { portsOf, qemuProcessesMentioning, VmStateDirs, writeNetnsAcl } from "./vm-fixtures";
import { isQemu, waitForSerial } from "../../support/processes";
import { record } from "../../support/reliability";
import { makeProvider } from "../../../provider/kinds";

/**
 * The seed's bridged VM with the real test guest (TCG; each boot costs seconds, so VMs are shared and booted
 * in parallel): scenario 2 (bridge + ACL + qemu-bridge-helper, host reaches guest), scenario 3 (a LAN port
 * on the bridge reaches the guest), graceful power-off and the kill fallback on delete.
 */
describe("QemuVm with a guest (seed scenarios 2 and 3)", () => {
  const spaces = new TestNamespaces();
  const states = new VmStateDirs();
  afterAll(() => {
    states.cleanup();
    spaces.cleanup();
  });

  test("bridged guest reachable from the host and the LAN; delete powers it off; an ACPI-deaf guest is stopped anyway", async () => {
    const guest = await ensureTestGuest();
    const ns = spaces.create("qlg");
    const lan = spaces.create("qll");
    const stateDir = states.create();
    // Scenario 2's host side: a bridge with the host's address; scenario 3's LAN: a veth port enslaved to it.
    sh(["ip", "-n", ns, "link", "add", "br0", "type", "bridge"]);
    sh(["ip", "-n", ns, "addr", "add", "10.77.0.1/24", "dev", "br0"]);
    sh(["ip", "-n", ns, "link", "set", "br0", "up"]);
    sh(["ip", "-n", ns, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", lan]);
    sh(["ip", "-n", ns, "link", "set", "lan0", "master", "br0", "up"]);
    sh(["ip", "-n", lan, "addr", "add", "10.77.0.50/24", "dev", "eth0"]);
    sh(["ip", "-n", lan, "link", "set", "eth0", "up"]);

    const p = makeProvider("QemuVm", testContext());
    const common = { accel: "tcg", memoryMiB: 192, kernel: guest.kernel, initrd: guest.initrd, host: { netns: ns, stateDir } };
    const bridged = {
      ...common,
      name: "bridged",
      stopTimeoutSeconds: 20,
      kernelArgs: guestKernelArgs({ listen: [22], name: "bridged", ip: [{ iface: "eth0", address: "10.77.0.10/24" }], dhcp: false }),
      nics: [{ type: "bridge", bridge: "br0" }],
    };

    // No `allow br0` yet: fails before QEMU starts, naming the fix.
    writeNetnsAcl(ns, "# nothing allowed\n");
    await expect(checkAndCreate(p, bridged)).rejects.toThrow(/preflight found 1 problem.*\n.*access denied by acl file[^]*fix: add a BridgeAcl resource allowing "br0"/);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
    expect(existsSync(`${stateDir}/vms/bridged`)).toBe(false);

    writeNetnsAcl(ns, "allow br0\n");
    const deaf = {
      ...common,
      name: "deaf",
      stopTimeoutSeconds: 2,
      kernelArgs: guestKernelArgs({ listen: [22], name: "deaf", ignoreAcpi: true }),
      nics: [{ type: "user" }],
    };
    const [a, b] = await Promise.all([checkAndCreate(p, bridged), checkAndCreate(p, deaf)]);
    states.track(a.outs.pid);
    states.track(b.outs.pid);
    expect(a.outs.status).toBe("running");
    const ports = portsOf(ns, "br0");
    expect(ports).toHaveLength(2);
    expect(ports).toEqual(expect.arrayContaining(["lan0", expect.stringMatching(/^tap\d+$/)]));

    await Promise.all([waitForSerial(a.outs.serialLog, new RegExp(GUEST_READY_MARKER)), waitForSerial(b.outs.serialLog, new RegExp(`${GUEST_READY_MARKER}.*acpi=ignore`))]);
    expect(readFileSync(a.outs.serialLog, "utf8")).toContain(`mac=${a.inputs.nics[0].mac}`);
    // The host address on the bridge reaches the guest, and so does the LAN namespace through the enslaved port.
    expect(await bannerFrom(ns, "10.77.0.10", 22, 10_000)).toBe(expectedGuestBanner(22, "bridged"));
    expect(await bannerFrom(lan, "10.77.0.10", 22, 10_000)).toBe(expectedGuestBanner(22, "bridged"));

    // Graceful: the guest handles the power button well within stopTimeoutSeconds (20 s).
    const t0 = Date.now();
    const kill = (async () => {
      const t = Date.now();
      await p.delete!(b.id, b.outs);
      return Date.now() - t;
    })();
    await p.delete!(a.id, a.outs);
    const gracefulMs = Date.now() - t0; // a figure for the report, not an assertion: timings belong in bench/
    expect(isQemu(a.outs.pid)).toBe(false);
    expect(portsOf(ns, "br0")).toEqual(["lan0"]); // the tap left with QEMU
    // The ACPI-deaf guest: waited the full 2 s (a minimum the code promises), then QMP quit stopped it.
    const took = await kill;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(isQemu(b.outs.pid)).toBe(false);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
    expect(existsSync(`${stateDir}/vms`) ? sh(["ls", `${stateDir}/vms`]).trim() : "").toBe("");
    record({ section: "faults", subject: "a guest that ignores the ACPI power button (stopTimeoutSeconds 2): delete", deleteMs: took, leftRunning: 0 });
    record({ section: "faults", subject: "a guest that powers off on the ACPI button: delete", deleteMs: gracefulMs, leftRunning: 0 });
  });
});
