/**
 * Issue 12, faults made by hand on the real host: for each, refresh (read) reports the truth, the next up converges
 * with no duplicates, and destroy leaves nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import { makeProvider } from "../../../provider/kinds";
import { namespacesPerTest } from "../../support/netns";
import { isLive, isQemu } from "../../support/processes";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { record } from "../../support/reliability";
import { qemuProcessesMentioning } from "../qemu-vm/vm-fixtures";

const readCmdline = (pid: string) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return "";
  }
};

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-fault-"))));
afterEach(() => {
  for (const pid of qemuProcessesMentioning(tmp)) process.kill(pid, "SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("bridge.conf replaced by hand (a new file, our line gone): read says gone, create puts it back once, delete keeps the new file", async () => {
  const conf = path.join(tmp, "bridge.conf");
  fs.writeFileSync(conf, "allow lan0\n");
  const p = makeProvider("BridgeAcl", testContext());
  const news = { bridge: "br0", confPath: conf, __resourceName: "acl" };
  const first = await checkAndCreate(p, news);
  // An admin writes a fresh file and renames it over ours (a new inode, our marker and line gone).
  fs.writeFileSync(path.join(tmp, "new.conf"), "# rewritten by hand\nallow lan1\n");
  fs.renameSync(path.join(tmp, "new.conf"), conf);
  expect(await p.read!(first.id, first.outs)).toEqual({}); // gone: refresh drops it
  const again = await checkAndCreate(p, news); // what the next up does for a resource refresh dropped
  const text = fs.readFileSync(conf, "utf8");
  expect(text.startsWith("# rewritten by hand\nallow lan1\n")).toBe(true);
  expect(text.split("\n").filter((l) => l === "allow br0")).toHaveLength(1);
  await p.delete!(again.id, again.outs);
  expect(fs.readFileSync(conf, "utf8")).toBe("# rewritten by hand\nallow lan1\n");
  record({ section: "faults", subject: "bridge.conf replaced by hand", refreshSaysGone: true, linesAfterUp: 1 });
});

describe("a VM's state directory removed by hand while QEMU runs", () => {
  const spaces = namespacesPerTest();

  test("read says orphaned (QEMU still runs), the next up replaces that QEMU with one new one, delete leaves none", async () => {
    const ns = spaces.create("qlorph");
    const stateDir = path.join(tmp, "state");
    fs.mkdirSync(stateDir, { mode: 0o700 });
    const p = makeProvider("QemuVm", testContext());
    const news = { name: "vmo", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, nics: [{ type: "user", hostForwards: [{ hostPort: 2301, guestPort: 22 }] }], host: { netns: ns, stateDir } };
    const { id, outs } = await checkAndCreate(p, news);
    fs.rmSync(path.join(stateDir, "vms"), { recursive: true, force: true });
    expect(isQemu(outs.pid)).toBe(true);
    const read = (await p.read!(id, outs)).props!;
    expect(read).toMatchObject({ status: "orphaned", pid: outs.pid });
    const up = await checkAndUpdate(p, id, read, news);
    expect(up.diff).toMatchObject({ changes: true, replaces: [] });
    expect(up.outs).toMatchObject({ status: "running" });
    expect(isQemu(outs.pid)).toBe(false);
    expect(qemuProcessesMentioning(stateDir)).toEqual([up.outs!.pid]); // one QEMU, the new one
    await p.delete!(id, up.outs!);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
    record({ section: "faults", subject: "VM state directory removed while QEMU runs", refresh: "orphaned", qemuAfterUp: 1, qemuAfterDestroy: 0 });
  });

  test("delete straight after the removal (no refresh) stops the orphan too", async () => {
    const ns = spaces.create("qlorph");
    const stateDir = path.join(tmp, "state");
    fs.mkdirSync(stateDir, { mode: 0o700 });
    const p = makeProvider("QemuVm", testContext());
    const { id, outs } = await checkAndCreate(p, { name: "vmo", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, nics: [], host: { netns: ns, stateDir } });
    fs.rmSync(path.join(stateDir, "vms"), { recursive: true, force: true });
    await p.delete!(id, outs);
    expect(qemuProcessesMentioning(stateDir)).toEqual([]);
  });
});

test("a command that hangs is killed at its timeout, with an error naming it and what to do", async () => {
  const err = await new ExecaRunner().run(["sleep", "30"], { timeoutMs: 200 }).catch((e: unknown) => e);
  expect(err).toMatchObject({ kind: "timeout", timedOut: true });
  expect(String((err as Error).message)).toMatch(/^command timed out: sleep 30\n\s+fix: the command did not finish in time; check the host for a hung process or raise the timeout/);
  // The hung process is gone (killed, not left behind): no live process runs `sleep 30` any more.
  const sleepers = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d) && isLive(Number(d)) && readCmdline(d) === "sleep\u000030\u0000");
  expect(sleepers).toEqual([]);
  record({ section: "faults", subject: "a host command that hangs", killedAtTimeoutMs: 200 });
});
