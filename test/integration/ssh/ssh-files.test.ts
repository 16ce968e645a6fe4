import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TestNamespaces } from "../../support/netns";
import { startSshd, type Sshd } from "../../support/sshd";
import { isLive, pollUntil, waitGone } from "../../support/processes";
import { SshConnection } from "../../../provider/host/ssh/ssh-connection";
import { SshTransport } from "../../../provider/host/ssh/ssh-transport";
import { RemoteFileError } from "../../../provider/host/ssh/ssh-files";
import { RemoteLockLostError } from "../../../provider/host/ssh/lock-context";
import { LocalFiles } from "../../../provider/host/files/local-files";
import { LockTimeoutError, parseLockToken, withFileLock } from "../../../provider/host/files/file-lock";
import type { HostFiles } from "../../../provider/host/files/types";

/** What a test can observe of a path, compared between LocalFiles and SshFiles. */
function observe(p: string): { kind: string; mode?: number; uid?: number; text?: string; link?: string } {
  const l = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!l) return { kind: "missing" };
  if (l.isSymbolicLink()) return { kind: "link", link: fs.readlinkSync(p) };
  if (l.isDirectory()) return { kind: "dir", mode: l.mode & 0o7777 };
  return { kind: "file", mode: l.mode & 0o7777, uid: l.uid, text: fs.readFileSync(p, "utf8") };
}

/** Every entry under dir (relative), observed: the whole effect of an operation. */
function tree(dir: string): Record<string, ReturnType<typeof observe>> {
  const out: Record<string, ReturnType<typeof observe>> = {};
  const walk = (d: string) => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = path.join(d, n);
      out[path.relative(dir, p)] = observe(p);
      if (fs.lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe("HostFiles over SSH (real sshd serving a test namespace; files on the same disk)", () => {
  const spaces = new TestNamespaces();
  let sshd: Sshd;
  let t: SshTransport;
  let base: string;
  const local = new LocalFiles();

  beforeAll(async () => {
    sshd = await startSshd(spaces.create("qlssf"));
  });
  beforeEach(() => {
    t = new SshTransport(new SshConnection(sshd.target(), "hv2 (10.0.0.2)", { connectTimeoutMs: 5000 }), { lockTimeoutMs: 600 });
    base = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-sshfiles-"));
  });
  afterEach(async () => {
    await t.close();
    fs.rmSync(base, { recursive: true, force: true });
  });
  afterAll(async () => {
    await sshd?.stop();
    spaces.cleanup();
  });

  /** Run the same scenario with LocalFiles and with SshFiles in two fresh directories; return both trees and results. */
  async function parity<R>(setup: (dir: string) => void, act: (files: HostFiles, dir: string) => Promise<R>) {
    const run = async (files: HostFiles, name: string) => {
      const dir = path.join(base, name);
      fs.mkdirSync(dir);
      setup(dir);
      const result = await act(files, dir).then(
        (r) => ({ ok: r as unknown }),
        (e: Error & { code?: string }) => ({ error: e.code ?? e.name }),
      );
      return { result, tree: tree(dir) };
    };
    const a = await run(local, "local");
    const b = await run(t.files, "ssh");
    expect(b).toEqual(a);
    return b;
  }

  test.each<[string, (d: string) => void, (f: HostFiles, d: string) => Promise<unknown>]>([
    ["write a new file (0644), read it back", () => undefined, async (f, d) => (await f.writeTextAtomic(`${d}/a/b.txt`, "hé\nllo"), await f.readText(`${d}/a/b.txt`))],
    ["write with a mode", () => undefined, (f, d) => f.writeTextAtomic(`${d}/m`, "x", { mode: 0o600 })],
    ["rewrite keeps the existing mode incl. setuid", (d) => (fs.writeFileSync(`${d}/s`, "old"), fs.chmodSync(`${d}/s`, 0o4750)), (f, d) => f.writeTextAtomic(`${d}/s`, "new")],
    ["a state file write replaces a symlink, leaving its target", (d) => (fs.writeFileSync(`${d}/t`, "target"), fs.symlinkSync("t", `${d}/l`)), (f, d) => f.writeTextAtomic(`${d}/l`, "mine")],
    [
      "shared: written through the symlink, target keeps owner and mode",
      (d) => (fs.mkdirSync(`${d}/real`), fs.writeFileSync(`${d}/real/c.conf`, "a"), fs.chownSync(`${d}/real/c.conf`, 1234, 1234), fs.chmodSync(`${d}/real/c.conf`, 0o640), fs.symlinkSync("real/c.conf", `${d}/c.conf`)),
      (f, d) => f.writeTextAtomic(`${d}/c.conf`, "b", { shared: true }),
    ],
    ["readText of a missing file", () => undefined, (f, d) => f.readText(`${d}/nope`)],
    ["readText follows a symlink by default", (d) => (fs.writeFileSync(`${d}/t`, "via"), fs.symlinkSync("t", `${d}/l`)), (f, d) => f.readText(`${d}/l`)],
    ["readText noFollow refuses a symlink", (d) => (fs.writeFileSync(`${d}/t`, "via"), fs.symlinkSync("t", `${d}/l`)), (f, d) => f.readText(`${d}/l`, { noFollow: true })],
    ["readText noFollow reads a plain file", (d) => fs.writeFileSync(`${d}/p`, "plain\0bytes"), (f, d) => f.readText(`${d}/p`, { noFollow: true })],
    ["ensureDir: parents 0755, only the leaf gets the mode", () => undefined, (f, d) => f.ensureDir(`${d}/x/y/z`, 0o700)],
    ["ensureDir of an existing dir keeps it", (d) => fs.mkdirSync(`${d}/e`, { mode: 0o711 }), (f, d) => f.ensureDir(`${d}/e`, 0o700)],
    ["realPath resolves links, a missing leaf kept", (d) => (fs.mkdirSync(`${d}/r`), fs.symlinkSync("r", `${d}/rl`)), async (f, d) => path.relative(d, await f.realPath(`${d}/rl/missing`))],
    ["realPath of a dangling link is its target", (d) => fs.symlinkSync("gone/x", `${d}/dl`), async (f, d) => path.relative(d, await f.realPath(`${d}/dl`))],
    ["remove a tree; a missing path is fine", (d) => (fs.mkdirSync(`${d}/q/w`, { recursive: true }), fs.writeFileSync(`${d}/q/w/f`, "")), async (f, d) => (await f.remove(`${d}/q`), await f.remove(`${d}/q`))],
    ["exists", (d) => fs.writeFileSync(`${d}/e`, ""), async (f, d) => [await f.exists(`${d}/e`), await f.exists(`${d}/nope`)]],
    ["listDir (odd names), of a missing dir", (d) => ["a b", "nl\nx", ".hid"].forEach((n) => fs.writeFileSync(`${d}/${n}`, "")), async (f, d) => [(await f.listDir!(d)).sort(), await f.listDir!(`${d}/none`)]],
    ["isEmptyDir", (d) => (fs.mkdirSync(`${d}/empty`), fs.writeFileSync(`${d}/file`, "")), async (f, d) => [await f.isEmptyDir!(`${d}/empty`), await f.isEmptyDir!(d), await f.isEmptyDir!(`${d}/file`), await f.isEmptyDir!(`${d}/none`)]],
    ["writing under a regular file fails", (d) => fs.writeFileSync(`${d}/f`, ""), (f, d) => f.writeTextAtomic(`${d}/f/x`, "y")],
  ])("same effect as LocalFiles: %s", async (_name, setup, act) => {
    await parity(setup, act);
  });

  test("shared through a dangling symlink writes the link's target (the documented intent)", async () => {
    // LocalFiles differs here: write-file-atomic cannot realpath a dangling link and replaces the link itself.
    fs.symlinkSync("sub/new.conf", `${base}/n.conf`);
    await t.files.writeTextAtomic(`${base}/n.conf`, "n", { shared: true });
    expect(observe(`${base}/n.conf`)).toEqual({ kind: "link", link: "sub/new.conf" });
    expect(observe(`${base}/sub/new.conf`)).toEqual({ kind: "file", mode: 0o644, uid: 0, text: "n" });
  });

  test("stat: full mode (type, setuid), uid and ctimeMs exactly as node's; a failure names the machine", async () => {
    const p = path.join(base, "st");
    fs.writeFileSync(p, "x");
    fs.chmodSync(p, 0o4755);
    fs.chownSync(p, 4321, 0);
    const mine = fs.statSync(p);
    expect(await t.files.stat(p)).toEqual({ mode: mine.mode, uid: 4321, ctimeMs: mine.ctimeMs });
    expect((await t.files.stat(base))?.mode).toBe(fs.statSync(base).mode);
    expect(await t.files.stat(path.join(base, "missing"))).toBeUndefined();
    const e = (await t.files.writeTextAtomic(`${p}/under`, "x").catch((x: unknown) => x)) as RemoteFileError;
    expect(e).toBeInstanceOf(RemoteFileError);
    expect(e.message).toMatch(/^on hv2 \(10\.0\.0\.2\): write .*st\/under failed: mkdir: .*File exists$/);
    expect(e.code).toBe("EEXIST"); // as LocalFiles' mkdir fails
    expect(fs.readdirSync(base)).toEqual(["st"]); // no temp file left behind
  });

  test("a lock over SSH and withFileLock here, on one lock file, exclude each other both ways", async () => {
    const lock = path.join(base, "locks", "x.lock"); // its directory does not exist yet
    let releaseLocal!: () => void;
    const localHeld = new Promise<void>((r) => (releaseLocal = r));
    let localIn!: () => void;
    const localEntered = new Promise<void>((r) => (localIn = r));
    const localDone = withFileLock(lock, async () => {
      localIn();
      await localHeld;
    });
    await localEntered;
    const blocked = (await t.files.withLock(lock, async () => "got it").catch((e: unknown) => e)) as LockTimeoutError;
    expect(blocked).toBeInstanceOf(LockTimeoutError);
    expect(blocked.holder).toBe(`pid ${process.pid} on hv2 (10.0.0.2)`);
    releaseLocal();
    await localDone;

    await t.files.withLock(lock, async () => {
      const token = parseLockToken(fs.readFileSync(lock, "utf8"));
      expect(token && isLive(token.pid)).toBe(true); // the remote holder's pid and start time
      const e = await withFileLock(lock, async () => "local got it", { timeoutMs: 300 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(LockTimeoutError);
      expect((e as LockTimeoutError).holder).toBe(`pid ${token!.pid}`);
    });
    expect(fs.existsSync(lock)).toBe(false);
  });

  test("read-modify-write under the lock from both sides never loses an update", async () => {
    const lock = path.join(base, "count.lock");
    const file = path.join(base, "count");
    fs.writeFileSync(file, "0");
    const patient = new SshTransport(new SshConnection(sshd.target(), "hv2", {}), { lockTimeoutMs: 20_000 });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Each side loops: take the lock, read, pause, write, release, pause. The pauses give the other side its turns;
    // without exclusion the critical sections overlap and updates are lost.
    const remote = async () => {
      for (let i = 0; i < 6; i++) {
        await patient.files.withLock(lock, async () => {
          const n = Number(await patient.files.readText(file));
          await pause(30);
          await patient.files.writeTextAtomic(file, String(n + 1));
        });
        await pause(40);
      }
    };
    const here = async () => {
      await pause(20);
      for (let i = 0; i < 6; i++) {
        await withFileLock(
          lock,
          async () => {
            const n = Number(fs.readFileSync(file, "utf8"));
            await pause(60);
            fs.writeFileSync(file, String(n + 1));
          },
          { timeoutMs: 20_000 },
        );
        await pause(40);
      }
    };
    try {
      await Promise.all([remote(), here()]);
      expect(fs.readFileSync(file, "utf8")).toBe("12");
    } finally {
      await patient.close();
    }
  });

  test("a stale lock (dead holder) is broken; a lost connection releases the lock and stops code under it", async () => {
    const lock = path.join(base, "s.lock");
    fs.writeFileSync(lock, "999999 1\n"); // no such process
    const others = sshd.connectionPids();
    const e = await t.files
      .withLock(lock, async () => {
        expect(fs.readFileSync(lock, "utf8")).not.toBe("999999 1\n");
        const mine = sshd.connectionPids().filter((p) => !others.includes(p));
        expect(mine).toHaveLength(1);
        process.kill(mine[0]!, "SIGKILL"); // the connection drops
        await waitGone(mine[0]!);
        await pollUntil(() => (fs.existsSync(lock) ? undefined : true), 5000, () => "lock file was not released after the connection dropped");
        await t.runner.run(["true"]); // still "under" the lock: must not run
        return "ran on";
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteLockLostError);
    expect((await withFileLock(lock, async () => "free", { timeoutMs: 300 }))).toBe("free");
    expect((await t.files.withLock(lock, async () => "again"))).toBe("again"); // a new connection, a new holder
  });
});
