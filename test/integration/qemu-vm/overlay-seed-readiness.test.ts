import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { sh, TestNamespaces } from "../../support/netns";
import { ensureTestGuest, expectedGuestBanner, GUEST_CLOUD_INIT_MARKER, GUEST_READY_MARKER, guestKernelArgs } from "../../support/guest";
import { qemuProcessesMentioning, VmStateDirs, writeNetnsAcl } from "./vm-fixtures";
import { isQemu, pollUntil } from "../../support/processes";
import { withQmp } from "../../../provider/host/qemu/qmp-client";
import { dhcpPaths } from "../../../provider/host/dnsmasq/dhcp-paths";
import { makeProvider } from "../../../provider/kinds";
import { nodeInNetns } from "../../../demo/banner";
import { removeOverlay } from "../../../provider/host/qemu/overlay";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import { LocalFiles } from "../../../provider/host/files/local-files";

const GIB = 1024 ** 3;
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const imageInfo = (file: string) => JSON.parse(sh(["qemu-img", "info", "--output=json", "-U", file])) as Record<string, unknown>;

/**
 * One connection attempt from inside `netns` (no retry, unlike demo/banner's connectForBanner: the guest must listen
 * the moment create returns): the first line the peer sends, or "" when refused/closed.
 */
function bannerOnce(netns: string, host: string, port: number): Promise<string> {
  const code =
    `const s=require("net").connect(${port},${JSON.stringify(host)});let b="";s.setTimeout(3000,()=>s.destroy());` +
    `s.on("data",d=>{b+=d;if(b.includes("\\n")){process.stdout.write(b.split("\\n")[0]);s.destroy();}});s.on("error",()=>{});`;
  return nodeInNetns(netns, code).then((out) => out.trimEnd(), () => "");
}

/** Virtual size of drive `device` as the running QEMU reports it. */
async function qmpVirtualSize(socket: string, device: string): Promise<number | undefined> {
  const blocks = await withQmp(socket, (q) => q.execute<Array<{ device: string; inserted?: { image?: { "virtual-size"?: number } } }>>("query-block"));
  return blocks.find((b) => b.device === device)?.inserted?.image?.["virtual-size"];
}

/**
 * Overlay disks, the cloud-init NoCloud seed and readiness with the real test guest (TCG, real qemu-img and xorriso).
 * Each boot costs seconds: the overlay + seed test shares one guest (and one restart); the two readiness guests boot
 * in parallel.
 */
describe("QemuVm overlays, cloud-init seed, readiness (real guest)", () => {
  const spaces = new TestNamespaces();
  const states = new VmStateDirs();
  afterAll(() => {
    states.cleanup();
    spaces.cleanup();
  });

  test("overlay: the guest writes its disk, the base stays byte-identical; live grow; restart keeps the overlay; delete removes only it", async () => {
    const guest = await ensureTestGuest();
    const stateDir = states.create();
    const images = path.join(stateDir, "images");
    mkdirSync(images);
    const base = path.join(images, "base.raw");
    // A raw base with content: the guest's first sector is ours, so a write through to the base would show.
    const content = Buffer.alloc(32 * 1024 * 1024);
    content.write("BASE-IMAGE-CONTENT", 0);
    writeFileSync(base, content);
    const baseSum = sha256(base);
    const overlay = path.join(images, "vm-disk.qcow2");
    const SECRET = "s3cr3t-token-4711";
    const userData = [
      "#!/bin/sh",
      `# ${SECRET}`,
      "echo QEMU-LAB-TEST before=$(head -c 18 /dev/vda)",
      "printf GUEST-WROTE-THIS | dd of=/dev/vda bs=512 conv=notrunc 2>/dev/null",
      "sync",
      "echo QEMU-LAB-TEST vda-sectors=$(cat /sys/block/vda/size) first=$(head -c 16 /dev/vda)",
      "",
    ].join("\n");
    const p = makeProvider("QemuVm", testContext());
    const news = {
      name: "ov",
      accel: "tcg",
      memoryMiB: 192,
      stopTimeoutSeconds: 10,
      kernel: guest.kernel,
      initrd: guest.initrd,
      kernelArgs: guestKernelArgs({ listen: [], dhcp: false, name: "ov" }),
      disks: [{ path: overlay, overlay: { backingFile: base, sizeGiB: 1 } }],
      cloudInit: { userData },
      readiness: { serialPattern: `^${GUEST_READY_MARKER} name=ov`, timeoutSeconds: 120 },
      host: { stateDir },
      nics: [],
    };
    const { id, inputs, outs } = await checkAndCreate(p, news);
    states.track(outs.pid);
    // readiness: create returned after READY, which the guest prints after running user-data.
    const serial = readFileSync(outs.serialLog, "utf8");
    expect(serial).toContain("QEMU-LAB-TEST before=BASE-IMAGE-CONTENT"); // the overlay reads through to the base
    expect(serial).toMatch(new RegExp(`${GUEST_CLOUD_INIT_MARKER} ran exit=0 instance-id=ov-[0-9a-f]{12}`));
    expect(serial).toContain(`QEMU-LAB-TEST vda-sectors=${GIB / 512} first=GUEST-WROTE-THIS`);
    // The overlay took the write; the base is untouched; the overlay backs onto the base (format detected: raw).
    expect(sha256(base)).toBe(baseSum);
    expect(readFileSync(overlay).includes("GUEST-WROTE-THIS")).toBe(true);
    expect(imageInfo(overlay)).toMatchObject({ format: "qcow2", "backing-filename": base, "backing-filename-format": "raw", "virtual-size": GIB });
    // The secret user-data: only in the 0600 seed inside the 0700 VM dir; not in argv or meta.json.
    const vmDir = path.join(stateDir, "vms", "ov");
    expect(statSync(vmDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(vmDir, "seed.iso")).mode & 0o777).toBe(0o600);
    expect(readdirSync(vmDir)).not.toContain("cidata.staging");
    expect(readFileSync(path.join(vmDir, "meta.json"), "utf8")).not.toContain(SECRET);
    expect(readFileSync(`/proc/${outs.pid}/cmdline`, "utf8")).not.toContain(SECRET);
    expect(outs.ipAddresses).toEqual([]);
    expect(outs.missingOverlays).toEqual([]);

    // Grow on the running VM: an in-place update (same QEMU), QEMU sees the new size at once.
    const grown = { ...news, disks: [{ path: overlay, overlay: { backingFile: base, sizeGiB: 2 } }] };
    const upd = await checkAndUpdate(p, id, outs, grown);
    expect(upd.diff).toMatchObject({ changes: true, replaces: [] });
    expect(upd.outs).toMatchObject({ pid: outs.pid, instanceId: outs.instanceId, status: "running" });
    expect(await qmpVirtualSize(outs.qmpSocket, "disk0")).toBe(2 * GIB);
    // Shrinking is refused at check (previous inputs known), with the property path.
    const shrink = await p.check!(upd.outs!, { ...news, disks: [{ path: overlay, overlay: { backingFile: base, sizeGiB: 1 } }] });
    expect(shrink.failures).toEqual([{ property: "disks[0].overlay.sizeGiB", reason: expect.stringMatching(/would shrink .* from 2 to 1 GiB/) }]);

    // kill -9, then update restarts QEMU: the overlay is kept (the guest's write is still there at boot), not recreated.
    sh(["kill", "-KILL", String(outs.pid)]);
    const stopped = await pollUntil(
      async () => {
        const r = await p.read!(id, upd.outs!);
        return r.props?.status === "stopped" ? r : undefined;
      },
      10_000,
      () => "read never reported the killed VM as stopped",
    );
    const restarted = await checkAndUpdate(p, id, stopped.props!, grown);
    states.track(restarted.outs!.pid);
    expect(restarted.outs!.pid).not.toBe(outs.pid);
    const again = readFileSync(restarted.outs!.serialLog, "utf8");
    expect(again).toContain("QEMU-LAB-TEST before=GUEST-WROTE-THISNT"); // the first boot's 16 bytes over the base's 18
    expect(again).toContain(`vda-sectors=${(2 * GIB) / 512} `);

    // An overlay a QEMU holds is never taken for "not ours": qemu-img cannot lock it, so removing it fails, naming why.
    await expect(removeOverlay(new ExecaRunner(), new LocalFiles(), { path: overlay, backingFile: base })).rejects.toThrow(
      new RegExp(`cannot read the overlay ${overlay} \\(another QEMU has it open\\).*Failed to get shared "write" lock.*fix: another QEMU uses the image`, "s"),
    );
    expect(existsSync(overlay)).toBe(true);

    // A missing overlay reads as drift; on a running VM the diff replaces it.
    const hidden = `${overlay}.hidden`;
    sh(["mv", overlay, hidden]);
    const drift = await p.read!(id, restarted.outs!);
    expect(drift.props!.missingOverlays).toEqual([overlay]);
    expect((await p.diff!(id, drift.props!, inputs)).replaces).toEqual(["disks"]);
    sh(["mv", hidden, overlay]);

    // Delete: QEMU gone, the overlay removed, the base kept and unchanged.
    await p.delete!(id, restarted.outs!);
    expect(isQemu(restarted.outs!.pid)).toBe(false);
    expect(existsSync(overlay)).toBe(false);
    expect(sha256(base)).toBe(baseSum);
    expect(existsSync(vmDir)).toBe(false);

    // An existing file that backs onto something else is refused, naming both, and left alone; no QEMU starts.
    const otherBase = path.join(images, "other.qcow2");
    sh(["qemu-img", "create", "-q", "-f", "qcow2", otherBase, "32M"]);
    sh(["qemu-img", "create", "-q", "-f", "qcow2", "-b", otherBase, "-F", "qcow2", overlay]);
    const foreign = sha256(overlay);
    await expect(checkAndCreate(p, news)).rejects.toThrow(new RegExp(`disks\\[0\\] \\(${overlay}\\): ${overlay} already exists and is a qcow2 image backing onto ${otherBase}, not an overlay of ${base}`));
    expect(sha256(overlay)).toBe(foreign);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
    // keepOnDelete, and a plain disk: neither is removed by delete.
    const kept = await checkAndCreate(p, { ...news, name: "keep", readiness: undefined, cloudInit: undefined, disks: [{ path: path.join(images, "kept.qcow2"), overlay: { backingFile: base }, keepOnDelete: true }, { path: overlay, format: "qcow2" }] });
    states.track(kept.outs.pid);
    await p.delete!(kept.id, { ...kept.outs, stopTimeoutSeconds: 0 });
    expect([existsSync(path.join(images, "kept.qcow2")), existsSync(overlay), sha256(base) === baseSum]).toEqual([true, true, true]);
  });

  test("readiness: create returns once the guest's port answers; a guest that never prints the pattern fails in time and leaves no QEMU", async () => {
    const guest = await ensureTestGuest();
    const ns = spaces.create("qlrd");
    const stateDir = states.create();
    sh(["ip", "-n", ns, "link", "add", "br0", "type", "bridge"]);
    sh(["ip", "-n", ns, "addr", "add", "10.77.1.1/24", "dev", "br0"]);
    sh(["ip", "-n", ns, "link", "set", "br0", "up"]);
    writeNetnsAcl(ns, "allow br0\n");
    const p = makeProvider("QemuVm", testContext());
    const common = { accel: "tcg", memoryMiB: 192, stopTimeoutSeconds: 0, kernel: guest.kernel, initrd: guest.initrd, host: { netns: ns, stateDir } };
    const mac = "52:54:00:77:01:0a";
    // A static lease of a DhcpServer on the same stateDir: the bridge NIC's address shows in ipAddresses.
    const dhcp = dhcpPaths(stateDir, "lan");
    mkdirSync(path.dirname(dhcp.hostsFile), { recursive: true, mode: 0o700 });
    writeFileSync(dhcp.hostsFile, `${mac},10.77.1.10,web\n`);
    const web = {
      ...common,
      name: "web",
      // eth1 (the user NIC) by DHCP: ipAddresses lists what slirp hands out, which the guest then has.
      kernelArgs: guestKernelArgs({ listen: [8080], name: "web", ip: [{ iface: "eth0", address: "10.77.1.10/24" }, { iface: "eth1", dhcp: true }], dhcp: false }),
      nics: [{ type: "bridge", bridge: "br0", mac }, { type: "user" }],
      readiness: { tcp: { host: "10.77.1.10", port: 8080 } },
    };
    const never = {
      ...common,
      name: "never",
      kernelArgs: guestKernelArgs({ listen: [], name: "never", dhcp: false, extra: ["loglevel=7"] }), // kernel lines on the console at once
      nics: [],
      readiness: { serialPattern: "THIS LINE NEVER APPEARS", timeoutSeconds: 5 },
    };
    // One connection attempt the moment create returns, no retry: the guest must listen already.
    const webUp = checkAndCreate(p, web).then(async (r) => ({ ...r, banner: await bannerOnce(ns, "10.77.1.10", 8080) }));
    const [ready, failed] = await Promise.allSettled([webUp, checkAndCreate(p, never)]);
    if (ready.status === "fulfilled") states.track(ready.value.outs.pid);
    expect(ready.status).toBe("fulfilled");
    const { id, outs, banner } = (ready as PromiseFulfilledResult<Awaited<typeof webUp>>).value;
    expect(banner).toBe(expectedGuestBanner(8080, "web"));
    expect(outs.ipAddresses).toEqual([["10.77.1.10"], ["10.0.2.15"]]);
    // The slirp address is listed, not observed: the guest's own report shows it took that lease on eth1.
    const readyLine = await pollUntil(
      async () => readFileSync(outs.serialLog, "utf8").split("\n").find((l) => l.includes(`${GUEST_READY_MARKER} name=web`)),
      30_000,
      () => "the guest never printed its READY line",
    );
    expect(readyLine).toMatch(/addrs=eth0=10\.77\.1\.10\/24,eth1=10\.0\.2\.15\/24/);

    expect(failed.status).toBe("rejected");
    const msg = ((failed as PromiseRejectedResult).reason as Error).message;
    const kept = `${stateDir}/vms/never.failed-serial.log`;
    expect(msg).toMatch(new RegExp(`^QemuVm "never": create failed: not ready within readiness\\.timeoutSeconds \\(5 s\\): no serial line matching /THIS LINE NEVER APPEARS/; last \\d+ line\\(s\\) of the serial console \\(whole log kept in ${kept}\\):\n {2}\\| `));
    const shown = msg.split("\n").filter((l) => l.startsWith("  | "));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThanOrEqual(20);
    expect(qemuProcessesMentioning(`${stateDir}/vms/never/`)).toEqual([]);
    expect(existsSync(`${stateDir}/vms/never`)).toBe(false);
    // The state dir (and its serial.log) is gone; the failed start's log is kept, private, with the lines shown.
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    const keptLines = readFileSync(kept, "utf8").replace(/\r/g, "").split("\n");
    for (const l of shown.slice(0, -1)) expect(keptLines).toContain(l.slice(4));
    expect(keptLines.some((k) => k.startsWith(shown[shown.length - 1]!.slice(4)))).toBe(true); // the last one may have grown
    // delete of the never-created VM removes it too.
    await p.delete!("never", { ...never, disks: [], cdroms: [] });
    expect(existsSync(kept)).toBe(false);

    await p.delete!(id, outs);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
  });
});
