import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { imageWriterScript, kvmProbeImage, probeKvm, PROBE_OK_EXIT } from "../../../provider/host/qemu/kvm-probe";
import { withQmp } from "../../../provider/host/qemu/qmp-client";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { sh, TestNamespaces } from "../../support/netns";
import { portsOf, qemuProcessesMentioning, tcpListeners, VmStateDirs, writeNetnsAcl } from "./vm-fixtures";
import { isQemu, pollUntil } from "../../support/processes";
import { CountingRunner } from "../../support/counting-runner";
import { record } from "../../support/reliability";
import { makeProvider } from "../../../provider/kinds";

/**
 * QemuVm's process lifecycle on the real host, without a guest OS (SeaBIOS finds nothing to boot and
 * idles, which costs nothing under TCG): taps, live forwards, drift, the stop fallback, preflight.
 */
describe("QemuVm lifecycle (no guest OS)", () => {
  const spaces = new TestNamespaces();
  const states = new VmStateDirs();
  let ns: string;
  afterAll(() => {
    states.cleanup();
    spaces.cleanup();
  });
  beforeAll(() => {
    ns = spaces.create("qlvm");
    sh(["ip", "-n", ns, "link", "add", "br0", "type", "bridge"]);
    sh(["ip", "-n", ns, "link", "set", "br0", "up"]);
    sh(["ip", "-n", ns, "link", "add", "br1", "type", "bridge"]);
    writeNetnsAcl(ns, "allow br0\n");
  });

  test("bridge + user NIC: tap on the bridge, live forwards, drift after kill -9 converges, delete leaves nothing", async () => {
    const stateDir = states.create();
    const counting = new CountingRunner(new ExecaRunner());
    const p = makeProvider("QemuVm", testContext());
    const news = {
      name: "vm-a",
      accel: "tcg",
      memoryMiB: 64,
      stopTimeoutSeconds: 1,
      host: { netns: ns, stateDir },
      nics: [
        { type: "user", hostForwards: [{ hostAddress: "127.0.0.1", hostPort: 2201, guestPort: 22 }] },
        { type: "bridge", bridge: "br0", model: "e1000" },
      ],
    };
    const { id, inputs, outs } = await checkAndCreate(p, news);
    states.track(outs.pid);
    expect(outs).toMatchObject({ status: "running", acceleration: "tcg", qmpSocket: `${stateDir}/vms/vm-a/qmp.sock` });
    expect(isQemu(outs.pid)).toBe(true);
    expect(outs.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outs.macs).toEqual([inputs.nics[0].mac, inputs.nics[1].mac]);
    // The helper made a tap inside the namespace and enslaved it; the forward listens inside the namespace.
    const taps = portsOf(ns, "br0");
    expect(taps).toHaveLength(1);
    expect(taps[0]).toMatch(/^tap\d+$/);
    expect(tcpListeners(ns)).toContain("127.0.0.1:2201");
    expect(sh(["ss", "-Hltn"])).not.toContain("127.0.0.1:2201 "); // not in the root namespace

    // The same name cannot be started twice.
    await expect(checkAndCreate(makeProvider("QemuVm", testContext()), news)).rejects.toThrow(/already running \(pid \d+/);

    // Refresh is cheap: pidfile, /proc and one QMP session; no process is started.
    const readCtx = testContext(counting);
    const before = counting.processes;
    const read = await makeProvider("QemuVm", readCtx).read!(id, outs);
    expect(counting.processes).toBe(before);
    expect(read.props).toMatchObject({ status: "running", pid: outs.pid, instanceId: outs.instanceId, nics: inputs.nics });

    // Inline forwards change live: same process, 2201 gone, 2202 listening.
    const moved = { ...news, nics: [{ type: "user", hostForwards: [{ hostAddress: "127.0.0.1", hostPort: 2202, guestPort: 22 }] }, news.nics[1]] };
    const upd = await checkAndUpdate(p, id, read.props!, moved);
    expect(upd.diff).toMatchObject({ changes: true, replaces: [] });
    expect(upd.outs).toMatchObject({ pid: outs.pid, instanceId: outs.instanceId, status: "running" });
    expect(tcpListeners(ns)).toEqual(expect.arrayContaining(["127.0.0.1:2202"]));
    expect(tcpListeners(ns)).not.toContain("127.0.0.1:2201");

    // A forward removed behind our back is drift: read drops it, the diff updates it back.
    await withQmp(outs.qmpSocket, (q) => q.hmp("hostfwd_remove net0 tcp:127.0.0.1:2202"));
    const drifted = await p.read!(id, upd.outs!);
    expect(drifted.props!.nics[0].hostForwards).toEqual([]);
    const healed = await checkAndUpdate(p, id, drifted.props!, moved);
    expect(healed.diff).toMatchObject({ changes: true, replaces: [] });
    expect(tcpListeners(ns)).toContain("127.0.0.1:2202");
    expect((await p.read!(id, healed.outs!)).props!.nics[0].hostForwards).toEqual(moved.nics[0]!.hostForwards!.map((f) => ({ protocol: "tcp", ...f })));
    // Changing memory is a delete-before-replace.
    const mem = await checkAndUpdate(p, id, upd.outs!, { ...moved, memoryMiB: 96 });
    expect(mem.diff).toMatchObject({ changes: true, replaces: ["memoryMiB"], deleteBeforeReplace: true });

    // kill -9: read reports "stopped" (keeping the id), the diff sees it, update starts a fresh QEMU.
    sh(["kill", "-KILL", String(outs.pid)]);
    const drift = await pollUntil(
      async () => {
        const r = await p.read!(id, upd.outs!);
        return r.props?.status === "stopped" ? r : undefined;
      },
      10_000,
      () => "read never reported the killed VM as stopped",
    );
    expect(drift.id).toBe(id);
    expect(drift.props!.pid).toBeUndefined();
    const restarted = await checkAndUpdate(p, id, drift.props!, moved);
    expect(restarted.diff).toMatchObject({ changes: true, replaces: [] });
    states.track(restarted.outs!.pid);
    expect(restarted.outs).toMatchObject({ status: "running" });
    expect(restarted.outs!.pid).not.toBe(outs.pid);
    expect(restarted.outs!.instanceId).not.toBe(outs.instanceId); // dependents (PortForward) follow the restart
    expect(tcpListeners(ns)).toContain("127.0.0.1:2202");
    expect(portsOf(ns, "br0")).toHaveLength(1);
    record({ section: "faults", subject: "QEMU killed with SIGKILL: refresh reports stopped, up restarts it", taps: portsOf(ns, "br0").length, forwardBack: true });

    // Delete: SeaBIOS ignores the power button, so after stopTimeoutSeconds QMP quit stops it.
    const t0 = Date.now();
    await p.delete!(id, restarted.outs!);
    record({ section: "faults", subject: "delete of a VM whose firmware ignores the power button (stopTimeoutSeconds 1)", deleteMs: Date.now() - t0 });
    expect(isQemu(restarted.outs!.pid)).toBe(false);
    expect(portsOf(ns, "br0")).toEqual([]);
    expect(tcpListeners(ns)).not.toContain("127.0.0.1:2202");
    expect(existsSync(`${stateDir}/vms/vm-a`)).toBe(false);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
    await p.delete!(id, restarted.outs!); // already gone: success
  });

  test("a VM left by a create killed before Pulumi recorded it: the same resource restarts it, another is refused", async () => {
    const stateDir = states.create();
    const news = { name: "vm-orphan", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, host: { netns: ns, stateDir }, nics: [{ type: "user" }] };
    const first = await checkAndCreate(makeProvider("QemuVm", testContext()), { ...news, __owner: "lab/dev/vm" });
    states.track(first.outs.pid);
    // State never recorded `first`: another resource's create of the same name is refused …
    await expect(checkAndCreate(makeProvider("QemuVm", testContext()), { ...news, __owner: "lab/dev/other" })).rejects.toThrow(/already running/);
    expect(isQemu(first.outs.pid)).toBe(true);
    // … while the same resource's next create stops its orphan and starts afresh.
    const again = await checkAndCreate(makeProvider("QemuVm", testContext()), { ...news, __owner: "lab/dev/vm" });
    states.track(again.outs.pid);
    expect(again.outs.status).toBe("running");
    expect(again.outs.pid).not.toBe(first.outs.pid);
    expect(isQemu(first.outs.pid)).toBe(false);
    await makeProvider("QemuVm", testContext()).delete!(again.id, again.outs);
    expect(isQemu(again.outs.pid)).toBe(false);
  });

  test("restarting a stopped VM never clears the state dir of another live VM of the same name (issue 12, defect 3)", async () => {
    const stateDir = states.create();
    const news = { name: "vm-shared", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, host: { netns: ns, stateDir }, nics: [{ type: "user" }] };
    const p = makeProvider("QemuVm", testContext());
    // Our VM ran once and died; meanwhile another stack started a VM of the same name in the same stateDir.
    const ours = await checkAndCreate(p, { ...news, __owner: "lab/dev/vm" });
    await p.delete!(ours.id, ours.outs);
    const other = await checkAndCreate(makeProvider("QemuVm", testContext()), { ...news, __owner: "lab/prod/vm" });
    states.track(other.outs.pid);
    const metaBefore = readFileSync(`${stateDir}/vms/vm-shared/meta.json`, "utf8");
    // Our update (QEMU gone: restart) must refuse, and leave the other VM and its files alone.
    const refreshed = (await p.read!(ours.id, ours.outs)).props!;
    expect(refreshed.status).toBe("stopped");
    await expect(checkAndUpdate(p, ours.id, refreshed, { ...news, __owner: "lab/dev/vm" })).rejects.toThrow(/already running \(pid \d+, instance/);
    expect(isQemu(other.outs.pid)).toBe(true);
    expect(readFileSync(`${stateDir}/vms/vm-shared/meta.json`, "utf8")).toBe(metaBefore);
    expect(existsSync(other.outs.qmpSocket)).toBe(true);
    await makeProvider("QemuVm", testContext()).delete!(other.id, other.outs);
    expect(isQemu(other.outs.pid)).toBe(false);
    record({ section: "faults", subject: "restart of a stopped VM while another live VM owns its name", otherVmSurvived: true });
  });

  test("a hung QEMU (SIGSTOP: QMP never answers) is SIGKILLed by delete, and its state dir removed", async () => {
    const stateDir = states.create();
    const p = makeProvider("QemuVm", testContext());
    const { id, outs } = await checkAndCreate(p, { name: "vm-hung", accel: "tcg", memoryMiB: 32, stopTimeoutSeconds: 30, host: { netns: ns, stateDir }, nics: [] });
    states.track(outs.pid);
    sh(["kill", "-STOP", String(outs.pid)]);
    const t0 = Date.now();
    await p.delete!(id, outs);
    // One QMP attempt (3 s) instead of stopTimeoutSeconds (30 s), then SIGKILL. The bound only tells the two apart
    // (generous under load); the duration itself is a report figure.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(isQemu(outs.pid)).toBe(false);
    record({ section: "faults", subject: "QEMU hung (SIGSTOP, QMP silent): delete", deleteMs: Date.now() - t0, leftRunning: 0 });
    expect(existsSync(`${stateDir}/vms/vm-hung`)).toBe(false);
  });

  test("preflight names every problem and its fix before starting QEMU", async () => {
    const stateDir = states.create();
    const p = makeProvider("QemuVm", testContext());
    // Something already listens on 2210 inside the namespace.
    const listener = sh(["ip", "netns", "exec", ns, "sh", "-c", "busybox nc -l -p 2210 >/dev/null 2>&1 & echo $!"]).trim();
    try {
      await pollUntil(() => (tcpListeners(ns).some((l) => l.endsWith(":2210")) ? true : undefined), 10_000, () => "nothing listens on :2210");
      const err = await checkAndCreate(p, {
        name: "vm-b",
        accel: "tcg",
        host: { netns: ns, stateDir },
        nics: [
          { type: "bridge", bridge: "br1" },
          { type: "bridge", bridge: "nobr" },
          { type: "user", hostForwards: [{ hostPort: 2210, guestPort: 22 }] },
        ],
        disks: [{ path: `${stateDir}/missing.qcow2`, format: "qcow2" }],
      }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      const msg = (err as Error).message;
      expect(msg).toMatch(/^QemuVm "vm-b": create failed: preflight found 4 problem\(s\), QEMU was not started/);
      expect(msg).toMatch(/nics\[0\]\.bridge: qemu-bridge-helper would refuse bridge "br1" \(access denied by acl file \/etc\/netns\/.*\/qemu\/bridge\.conf\)/);
      expect(msg).toMatch(/fix: add a BridgeAcl resource allowing "br1" with host: \{ netns: "qlvm/);
      expect(msg).toMatch(/nics\[1\]\.bridge: bridge "nobr" does not exist in network namespace "qlvm/);
      expect(msg).toMatch(/nics\[2\]\.hostForwards\[0\]\.hostPort: tcp port 2210 is already in use/);
      expect(msg).toMatch(/disks\[0\]\.path: .*missing\.qcow2 does not exist/);
      expect(existsSync(`${stateDir}/vms/vm-b`)).toBe(false);
      expect(qemuProcessesMentioning(stateDir)).toEqual([]);
    } finally {
      sh(["kill", listener], { allowFail: true });
    }
  });

  test("QEMU refusing to start: its own stderr in the error, nothing left behind", async () => {
    const stateDir = states.create();
    const p = makeProvider("QemuVm", testContext());
    const err = await checkAndCreate(p, { name: "vm-c", accel: "tcg", cpuModel: "nosuchcpu", host: { netns: ns, stateDir }, nics: [] }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/QemuVm "vm-c": create failed: QEMU refused to start: command failed with exit code 1: ip netns exec qlvm\w+ qemu-system-x86_64 -name guest=vm-c/);
    expect((err as Error).message).toMatch(/stderr: .*unable to find CPU model 'nosuchcpu'/);
    expect(existsSync(`${stateDir}/vms/vm-c`)).toBe(false);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
  });
});

describe("KVM probe and accel: auto", () => {
  const states = new VmStateDirs();
  afterAll(() => states.cleanup());

  test("the probe image, written by its sh script, runs to the exit port under TCG; auto picks what the probe allows", async () => {
    const dir = states.create();
    const file = `${dir}/probe.bin`;
    sh(["sh", "-c", imageWriterScript(kvmProbeImage()), "sh", file]);
    expect(Buffer.compare(readFileSync(file), Buffer.from(kvmProbeImage()))).toBe(0);
    const r = spawnSync("qemu-system-x86_64", ["-accel", "tcg", "-machine", "pc", "-nodefaults", "-bios", file, "-device", "isa-debug-exit,iobase=0xf4,iosize=1", "-display", "none", "-monitor", "none", "-serial", "none", "-m", "16"], { timeout: 10_000 });
    expect(r.status).toBe(PROBE_OK_EXIT);

    const ctx = testContext();
    const probe = await probeKvm(ctx.hosts.hostFor({ stateDir: dir }));
    const p = makeProvider("QemuVm", ctx);
    const { id, outs } = await checkAndCreate(p, { name: "auto", accel: "auto", memoryMiB: 32, stopTimeoutSeconds: 0, host: { stateDir: dir }, nics: [] });
    states.track(outs.pid);
    expect(outs.acceleration).toBe(probe.usable ? "kvm" : "tcg");
    await p.delete!(id, outs);
    expect(isQemu(outs.pid)).toBe(false);
  });
});
