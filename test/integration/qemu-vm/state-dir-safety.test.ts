/**
 * Issue 12, defect 6, on the real host: a state directory another user could write is refused before QEMU starts,
 * and a forged meta.json + pidfile cannot make delete signal a process that is not QEMU.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeProvider } from "../../../provider/kinds";
import { isLive } from "../../support/processes";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { record } from "../../support/reliability";
import { qemuProcessesMentioning } from "./vm-fixtures";

const VM = { name: "vm-safe", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, nics: [{ type: "user" }] };
let tmp: string;
let victim: ChildProcess | undefined;

beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-statedir-"))));
afterEach(() => {
  if (victim?.pid && isLive(victim.pid)) process.kill(victim.pid, "SIGKILL");
  victim = undefined;
  for (const pid of qemuProcessesMentioning(tmp)) process.kill(pid, "SIGKILL"); // only if a refusal failed
  fs.rmSync(tmp, { recursive: true, force: true });
});

test.each([
  ["owned by another user", (d: string) => fs.chownSync(d, 4242, 4242), /is owned by uid 4242, not root/],
  ["world-writable", (d: string) => fs.chmodSync(d, 0o777), /is writable by everyone \(mode 777\)/],
  ["group-writable", (d: string) => fs.chmodSync(d, 0o770), /is writable by its group \(mode 770\)/],
])("a stateDir %s is refused before QEMU starts, and nothing is written in it", async (_n, spoil, reason) => {
  const stateDir = path.join(tmp, "state");
  fs.mkdirSync(stateDir, { mode: 0o700 });
  spoil(stateDir);
  const p = makeProvider("QemuVm", testContext());
  await expect(checkAndCreate(p, { ...VM, host: { stateDir } })).rejects.toThrow(reason);
  await expect(checkAndCreate(p, { ...VM, host: { stateDir } })).rejects.toThrow(/is not private: .* fix: use a directory owned by root/);
  expect(fs.readdirSync(stateDir)).toEqual([]);
  expect(qemuProcessesMentioning(stateDir)).toEqual([]);
  record({ section: "file-modes", subject: `VM stateDir ${_n}`, refusedBeforeQemu: true });
});

test("a forged meta.json and pidfile naming a non-QEMU process with the same argv: delete does not signal it", async () => {
  victim = spawn("sleep", ["300"], { stdio: "ignore" });
  const pid = victim.pid!;
  const dir = path.join(tmp, "vms", VM.name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify({ instanceId: "forged", argv: ["300"], pid }));
  fs.writeFileSync(path.join(dir, "qemu.pid"), `${pid}\n`);
  const p = makeProvider("QemuVm", testContext());
  const olds = { ...VM, nics: [], disks: [], cdroms: [], cpus: 1, host: { stateDir: tmp }, instanceId: "forged", status: "running" };
  await p.delete!(VM.name, olds);
  await new Promise((r) => setTimeout(r, 300));
  expect(isLive(pid)).toBe(true);
  record({ section: "faults", subject: "forged meta.json + pidfile naming a non-QEMU process", signalled: false });
});

test("a symlinked meta.json is refused, not followed", async () => {
  const dir = path.join(tmp, "vms", VM.name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(tmp, "elsewhere.json"), JSON.stringify({ instanceId: "x", argv: [] }));
  fs.symlinkSync(path.join(tmp, "elsewhere.json"), path.join(dir, "meta.json"));
  const p = makeProvider("QemuVm", testContext());
  await expect(checkAndCreate(p, { ...VM, host: { stateDir: tmp } })).rejects.toThrow(/meta.json is a symbolic link; refusing to follow it/);
  record({ section: "file-modes", subject: "symlinked meta.json in a VM state dir", followed: false });
});

test("a VM's runtime files are private: state dir 0700, meta.json and QEMU's stderr log 0600, owned by root", async () => {
  const stateDir = path.join(tmp, "state");
  fs.mkdirSync(stateDir, { mode: 0o700 });
  const p = makeProvider("QemuVm", testContext());
  const { id, outs } = await checkAndCreate(p, { ...VM, host: { stateDir } });
  try {
    const dir = path.join(stateDir, "vms", VM.name);
    const mode = (f: string) => (fs.statSync(f).mode & 0o7777).toString(8);
    expect([mode(dir), mode(path.join(dir, "meta.json")), mode(path.join(dir, "qemu.stderr"))]).toEqual(["700", "600", "600"]);
    expect([fs.statSync(dir).uid, fs.statSync(path.join(dir, "meta.json")).uid]).toEqual([0, 0]);
    record({ section: "file-modes", subject: "a VM's state directory and files", dir: "0700", metaJson: "0600", stderrLog: "0600", owner: "root" });
  } finally {
    await p.delete!(id, outs);
  }
});
