/**
 * What keeps a guest's overlay from being lost or misread: definition changes on the same path refused at check, a
 * locked or unreadable overlay never taken for "not ours", the backing format compared, a base moved suggested a
 * rebase, and the tools a start needs checked before it.
 */
import { LocalTransport } from "../../../provider/host/local-transport";
import { qemuVmHandler } from "../../../provider/resources/qemu-vm/lifecycle";
import { overlayMismatch, removeOverlay, ensureOverlay, rebaseArgv } from "../../../provider/host/qemu/overlay";
import { removeOverlays } from "../../../provider/resources/qemu-vm/overlays";
import { classifyFailure, fixFor } from "../../../provider/host/runner/command-error";
import { diagnoseVm } from "../../../provider/host/qemu/preflight";
import type { QemuVmSpec } from "../../../provider/host/qemu/qemu-argv";
import { Host } from "../../../provider/host/host";
import { FakeRunner } from "../../support/fake-runner";
import { MemoryFiles } from "../../support/memory-files";

const check = (news: Record<string, unknown>, olds: Record<string, unknown> = {}) => qemuVmHandler.check(olds, news);
const ok = { name: "vm1", nics: [] };
const LOCKED = `qemu-img: Could not open '/v/o': Failed to get shared "write" lock\nIs another process using the image [/v/o]?`;
const info = (o: Record<string, unknown>) => ({ stdout: JSON.stringify({ filename: "/v/o", "virtual-size": 1024, ...o }) });

describe("check refuses an overlay definition change that would remove the guest's disk (previous inputs known)", () => {
  const ov = (over: Record<string, unknown> = {}, overlay: Record<string, unknown> = {}) => ({ path: "/v/o", overlay: { backingFile: "/b/base", ...overlay }, ...over });
  test.each<[string, Record<string, unknown>, Record<string, unknown>, Array<[string, RegExp]>]>([
    ["overlay dropped (kept as a plain disk)", ov(), { path: "/v/o" }, [["disks[0].overlay", /dropping it would remove \/v\/o \(an overlay of \/b\/base, removed on replace\): to keep it as a plain disk, set keepOnDelete: true on this disk first/]]],
    ["base moved", ov(), ov({}, { backingFile: "/b/moved" }), [["disks[0].overlay.backingFile", /changing it from \/b\/base would remove \/v\/o.*set keepOnDelete: true on this disk first.*`qemu-img rebase -u -b \/b\/moved -F '<format of the base>' \/v\/o`/]]],
    ["base moved, format known: the rebase names it", ov({}, { backingFormat: "raw" }), ov({}, { backingFile: "/b/moved", backingFormat: "raw" }), [["disks[0].overlay.backingFile", /`qemu-img rebase -u -b \/b\/moved -F raw \/v\/o`/]]],
    ["backingFormat declared later", ov(), ov({}, { backingFormat: "raw" }), [["disks[0].overlay.backingFormat", /changing it would remove \/v\/o.*keepOnDelete.*qemu-img rebase -u -b \/b\/base -F raw \/v\/o/]]],
    ["the disk moved to another position: matched by path", { ...ov(), path: "/v/o" }, ov({}, { backingFile: "/b/moved" }), [["disks[1].overlay.backingFile", /changing it from \/b\/base/]]],
    ["keepOnDelete already set: allowed (the replace keeps the file)", ov({ keepOnDelete: true }), { path: "/v/o" }, []],
    ["another path: allowed (the old overlay goes, as documented)", ov(), ov({ path: "/v/p" }, { backingFile: "/b/moved" }), []],
    ["only the size grows: allowed (in place)", ov({}, { sizeGiB: 1 }), ov({}, { sizeGiB: 2 }), []],
    ["a plain disk becoming an overlay: allowed (never removed before)", { path: "/v/o" }, ov(), []],
  ])("%s", (t, oldDisk, newDisk, expected) => {
    const moved = t.startsWith("the disk moved");
    const olds = check({ ...ok, disks: [oldDisk] }).inputs as unknown as Record<string, unknown>;
    const r = check({ ...ok, disks: moved ? [{ path: "/v/plain" }, newDisk] : [newDisk] }, olds);
    expect(r.failures.map((f) => f.property)).toEqual(expected.map(([p]) => p));
    r.failures.forEach((f, i) => expect(f.reason).toMatch(expected[i]![1]));
  });
  test("first create: nothing to compare", () => expect(check({ ...ok, disks: [{ path: "/v/o" }] }).failures).toEqual([]));
});

describe("an existing overlay: format compared, a moved base suggests a rebase", () => {
  const spec = { path: "/v/o", backingFile: "/b/new" };
  test.each<[string, Partial<typeof spec> & { backingFormat?: string }, Parameters<typeof overlayMismatch>[1], RegExp | undefined]>([
    ["backs onto an old path: rebase suggested with its recorded format", {}, { format: "qcow2", virtualSize: 1, backingFile: "/b/old", backingFormat: "raw" }, /backing onto \/b\/old, not an overlay of \/b\/new: if it is this disk and its base moved to \/b\/new, rebase it there \(`qemu-img rebase -u -b \/b\/new -F raw \/v\/o`, keeps its data\); otherwise move it away/],
    ["declared format differs from the recorded one", { backingFormat: "raw" }, { format: "qcow2", virtualSize: 1, backingFile: "/b/new", backingFormat: "qcow2" }, /backs onto \/b\/new as qcow2, not as the declared backingFormat raw: .*`qemu-img rebase -u -b \/b\/new -F raw \/v\/o`/],
    ["declared format, none recorded", { backingFormat: "raw" }, { format: "qcow2", virtualSize: 1, backingFile: "/b/new" }, /without a recorded format, not as the declared backingFormat raw/],
    ["declared format matches", { backingFormat: "raw" }, { format: "qcow2", virtualSize: 1, backingFile: "/b/new", backingFormat: "raw" }, undefined],
    ["no format declared: any recorded one is fine", {}, { format: "qcow2", virtualSize: 1, backingFile: "/b/new", backingFormat: "qcow2" }, undefined],
    ["a qcow2 without backing file: no rebase suggested", {}, { format: "qcow2", virtualSize: 1 }, /^\/v\/o already exists and is a qcow2 image without a backing file, not an overlay of \/b\/new: move it away/],
  ])("%s", (_t, over, i, re) => {
    const m = overlayMismatch({ ...spec, ...over }, i);
    if (re) expect(m).toMatch(re);
    else expect(m).toBeUndefined();
  });
  test("rebase argv: unsafe rebase (metadata only), new base and format", () => expect(rebaseArgv("/v/o", "/b/new", "raw")).toEqual(["qemu-img", "rebase", "-u", "-b", "/b/new", "-F", "raw", "/v/o"]));
});

describe("deleting an overlay: only a real mismatch is skipped; a lock, timeout or missing qemu-img is an error", () => {
  const spec = { path: "/v/o", backingFile: "/b/base" };
  const setup = (answer: { stdout?: string; stderr?: string; exitCode?: number }) => {
    const files = new MemoryFiles({ "/v/o": "qcow2" });
    return { files, runner: new FakeRunner(true).on(/^qemu-img info --output=json \/v\/o$/, answer) };
  };
  test.each<[string, { stdout?: string; stderr?: string; exitCode?: number }, string | RegExp, boolean]>([
    ["ours: removed", info({ format: "qcow2", "full-backing-filename": "/b/base" }), "removed", false],
    ["backs onto another base: left, with the reason", info({ format: "qcow2", "full-backing-filename": "/b/other" }), "not-ours", true],
    ["a plain image someone put there: left", info({ format: "raw" }), "not-ours", true],
    ["a QEMU holds it: error naming the path and the fix", { exitCode: 1, stderr: LOCKED }, /^cannot read the overlay \/v\/o \(another QEMU has it open\): command failed with exit code 1: qemu-img info --output=json \/v\/o\n.*Failed to get shared "write" lock.*\n {2}fix: another QEMU uses the image/s, true],
    ["qemu-img missing: error", { exitCode: 127, stderr: "spawn qemu-img ENOENT" }, /cannot read the overlay \/v\/o: .*fix: install the package that provides it \(.*qemu-utils/s, true],
    ["an image qemu-img cannot read: error, not 'not ours'", { exitCode: 1, stderr: "qemu-img: Could not open '/v/o': Image is corrupt; cannot be opened read/write" }, /cannot read the overlay \/v\/o: .*Image is corrupt/s, true],
  ])("%s", async (_t, answer, want, kept) => {
    const { files, runner } = setup(answer);
    const r = await removeOverlay(runner, files, spec).then((x) => x.outcome, (e: Error) => e.message);
    if (typeof want === "string") expect(r).toBe(want);
    else expect(r).toMatch(want);
    expect(files.files.has("/v/o")).toBe(kept);
  });
  test("removeOverlays names the disk when it cannot tell, and reports a file left in place", async () => {
    const disk = { path: "/v/o", overlay: { backingFile: "/b/base" }, keepOnDelete: false };
    const locked = setup({ exitCode: 1, stderr: LOCKED });
    await expect(removeOverlays(new Host({ stateDir: "/s" }, new LocalTransport(locked.runner, locked.files)), [disk])).rejects.toThrow(/^disks\[0\] \(\/v\/o\): not removed: cannot read the overlay \/v\/o \(another QEMU has it open\)/);
    const other = setup(info({ format: "qcow2", "full-backing-filename": "/b/other" }));
    expect(await removeOverlays(new Host({ stateDir: "/s" }, new LocalTransport(other.runner, other.files)), [disk])).toEqual([expect.stringMatching(/^disks\[0\]: left in place: \/v\/o already exists and is a qcow2 image backing onto \/b\/other/)]);
  });
  test("ensureOverlay on a locked overlay says the same", async () => {
    const { files, runner } = setup({ exitCode: 1, stderr: LOCKED });
    await expect(ensureOverlay(runner, files, spec)).rejects.toThrow(/cannot read the overlay \/v\/o \(another QEMU has it open\).*fix: another QEMU uses the image/s);
  });
});

describe("failure kinds of the image tools", () => {
  test.each<[string, number, boolean, string]>([
    [LOCKED, 1, false, "locked"],
    [`qemu-system-x86_64: -drive file=/v/o,if=virtio: Failed to get "write" lock\nIs another process using the image [/v/o]?`, 1, false, "locked"],
    ["spawn xorriso ENOENT", 127, false, "missing-command"],
    ["qemu-img: Could not open '/x': Could not open '/x': No such file or directory", 1, false, "not-found"],
    ["", -1, true, "timeout"],
  ])("%j", (stderr, code, timedOut, kind) => expect(classifyFailure(stderr, code, timedOut)).toBe(kind));
  test.each<[string, RegExp]>([
    ["locked", /^another QEMU uses the image .*stop that VM first/],
    ["missing-command", /qemu-utils, xorriso\)$/],
  ])("fix for %s", (kind, re) => expect(fixFor(kind as Parameters<typeof fixFor>[0])).toMatch(re));
});

describe("preflight: the tools a start runs before QEMU", () => {
  const base: QemuVmSpec = { name: "vm", memoryMiB: 64, cpus: 1, accel: "tcg", disks: [], cdroms: [], nics: [] };
  const overlayDisk = { path: "/v/o", readOnly: false, interface: "virtio" as const, overlay: { backingFile: "/b/base" } };
  const missing = (cmd: string) => ({ exitCode: 127, stderr: `spawn ${cmd} ENOENT` });
  test.each<[string, Partial<QemuVmSpec>, string[], Array<[string, RegExp, RegExp]>]>([
    ["overlay without qemu-img", { disks: [{ path: "/v/plain", readOnly: false, interface: "virtio" }, overlayDisk] }, ["qemu-img"], [["disks[1].overlay", /qemu-img is not installed/, /^apt-get install qemu-utils$/]]],
    ["cloud-init seed without xorriso", { seedIso: "/s/vms/vm/seed.iso" }, ["xorriso"], [["cloudInit", /xorriso is not installed/, /^apt-get install xorriso$/]]],
    ["both missing", { disks: [overlayDisk], seedIso: "/s/seed.iso" }, ["qemu-img", "xorriso"], [["disks[0].overlay", /qemu-img/, /qemu-utils/], ["cloudInit", /xorriso/, /xorriso/]]],
    ["both installed", { disks: [overlayDisk], seedIso: "/s/seed.iso" }, [], []],
    ["neither needed: not asked", {}, ["qemu-img", "xorriso"], []],
  ])("%s", async (_t, over, absent, expected) => {
    const runner = new FakeRunner(true).on(/^qemu-img --version$/, {}).on(/^xorriso -version$/, {});
    for (const cmd of absent) runner.on(new RegExp(`^${cmd} `), missing(cmd));
    const problems = await diagnoseVm(new Host({ stateDir: "/s" }, new LocalTransport(runner, new MemoryFiles({ "/b/base": "", "/v/plain": "" }))), { ...base, ...over });
    expect(problems.map((p) => p.property)).toEqual(expected.map((e) => e[0]));
    problems.forEach((p, i) => {
      expect(p.what).toMatch(expected[i]![1]);
      expect(p.fix).toMatch(expected[i]![2]);
    });
    if (!over.disks && !over.seedIso) expect(runner.commands()).toEqual([]);
  });
});
