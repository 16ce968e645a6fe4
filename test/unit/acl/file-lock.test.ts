import { spawn, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LockTimeoutError, parseLockToken, withFileLock } from "../../../provider/host/files/file-lock";
import { compileForChild } from "./compile-for-child";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-lock-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Read-increment-write with awaits in between: loses updates unless the lock excludes. */
async function bump(counter: string): Promise<void> {
  const n = Number(await fs.promises.readFile(counter, "utf8").catch(() => "0"));
  await new Promise((r) => setImmediate(r));
  await fs.promises.writeFile(counter, String(n + 1));
}

test.each<[string, string, unknown]>([
  ["pid and start time", "123 4567\n", { pid: 123, start: "4567" }],
  ["unknown start time", "123 ?\n", { pid: 123, start: undefined }],
  ["empty (writer between open and write)", "", undefined],
  ["garbage", "hello\n", undefined],
])("parseLockToken: %s", (_n, text, expected) => {
  expect(parseLockToken(text)).toEqual(expected);
});

test("excludes concurrent async callers in one process and removes its lock file", async () => {
  const lock = path.join(dir, "x.lock");
  const counter = path.join(dir, "n");
  let inside = 0;
  let maxInside = 0;
  await Promise.all(
    Array.from({ length: 30 }, () =>
      withFileLock(lock, async () => {
        maxInside = Math.max(maxInside, ++inside);
        await bump(counter);
        inside--;
      }),
    ),
  );
  expect(maxInside).toBe(1);
  expect(fs.readFileSync(counter, "utf8")).toBe("30");
  expect(fs.existsSync(lock)).toBe(false);
});

test("creates the lock's directory when it is missing", async () => {
  const lock = path.join(dir, "new", "sub", "x.lock");
  await expect(withFileLock(lock, async () => fs.existsSync(lock))).resolves.toBe(true);
  expect(fs.existsSync(lock)).toBe(false);
});

test("releases the lock when fn throws", async () => {
  const lock = path.join(dir, "x.lock");
  await expect(withFileLock(lock, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  expect(fs.existsSync(lock)).toBe(false);
  await expect(withFileLock(lock, async () => 7)).resolves.toBe(7);
});

test("breaks a stale lock whose owner is dead", async () => {
  const lock = path.join(dir, "x.lock");
  const dead = Number(execFileSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).trim()); // exited already
  fs.writeFileSync(lock, `${dead} 1\n`);
  // A short timeout: had the stale lock been waited on instead of broken, this would throw LockTimeoutError.
  await expect(withFileLock(lock, async () => "got it", { timeoutMs: 300 })).resolves.toBe("got it");
  expect(fs.existsSync(lock)).toBe(false);
});

test("breaks a lock whose pid was reused by another process (start time differs)", async () => {
  const lock = path.join(dir, "x.lock");
  fs.writeFileSync(lock, `1 999999999999\n`); // pid 1 lives, but did not start then
  await expect(withFileLock(lock, async () => "ok")).resolves.toBe("ok");
});

test("an empty lock file is a writer between open and write: waited for while fresh, broken once old", async () => {
  const lock = path.join(dir, "x.lock");
  fs.writeFileSync(lock, "");
  await expect(withFileLock(lock, async () => "no", { timeoutMs: 50 })).rejects.toThrow(/timed out after 50 ms/);
  const past = new Date(Date.now() - 10_000);
  fs.utimesSync(lock, past, past);
  await expect(withFileLock(lock, async () => "ok")).resolves.toBe("ok");
});

test("a breaker file left by a dead process does not block recovery", async () => {
  const lock = path.join(dir, "x.lock");
  const dead = Number(execFileSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).trim());
  fs.writeFileSync(lock, `${dead} 1\n`);
  fs.writeFileSync(`${lock}.break`, `${dead} 1\n`);
  await expect(withFileLock(lock, async () => "ok", { timeoutMs: 1000 })).resolves.toBe("ok");
  expect(fs.readdirSync(dir)).toEqual([]);
});

test("waits for a live holder, then times out with a clear error naming it", async () => {
  const lock = path.join(dir, "x.lock");
  const start = fs.readFileSync("/proc/1/stat", "utf8").split(") ")[1]!.split(" ")[19];
  fs.writeFileSync(lock, `1 ${start}\n`); // held by a live process that never releases
  const err = await withFileLock(lock, async () => "no", { timeoutMs: 150 }).catch((e) => e);
  expect(err).toBeInstanceOf(LockTimeoutError);
  expect(err.message).toBe(`timed out after 150 ms waiting for lock ${lock} held by pid 1; if no qemu-lab process is running, remove ${lock}`);
  expect(fs.readFileSync(lock, "utf8")).toBe(`1 ${start}\n`); // a live holder's lock is never removed
});

test("excludes another process: no increment is lost", async () => {
  const compiled = compileForChild(["provider/host/files/file-lock.ts"]);
  try {
    const lock = path.join(dir, "x.lock");
    const counter = path.join(dir, "n");
    const script = `
      const fs = require("node:fs");
      const { withFileLock } = require(${JSON.stringify(path.join(compiled, "provider/host/files/file-lock.js"))});
      (async () => {
        for (let i = 0; i < 40; i++) await withFileLock(process.argv[1], async () => {
          const n = Number(fs.existsSync(process.argv[2]) ? fs.readFileSync(process.argv[2], "utf8") : "0");
          await new Promise((r) => setImmediate(r));
          fs.writeFileSync(process.argv[2], String(n + 1));
        });
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ["-e", script, lock, counter], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const done = new Promise<number>((r) => child.on("exit", (c) => r(c ?? -1)));
    for (let i = 0; i < 40; i++) await withFileLock(lock, () => bump(counter));
    expect(await done).toBe(0);
    expect(stderr).toBe("");
    expect(fs.readFileSync(counter, "utf8")).toBe("80");
    expect(fs.existsSync(lock)).toBe(false);
  } finally {
    fs.rmSync(compiled, { recursive: true, force: true });
  }
});
