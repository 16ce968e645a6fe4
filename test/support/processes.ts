/**
 * Processes and polling for tests: liveness read from /proc (PID 1 here reaps slowly, so a zombie counts as gone)
 * and one bounded poll with backoff that every wait uses.
 */
import * as fs from "node:fs";

/** True while `pid` runs: it exists and is not a zombie (Z) or dead (X). */
export function isLive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) [ZX] /s.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** True when `pid` is a live QEMU process (not a reused pid of something else). */
export function isQemu(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes("(qemu-system-") && isLive(pid);
  } catch {
    return false;
  }
}

/**
 * Polls `check` with a backoff (50 ms doubling to 500 ms) until it returns a value other than undefined, or throws
 * `failure()`'s message once `deadlineMs` has passed.
 */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, deadlineMs: number, failure: () => string): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** SIGKILL `pid` (a test's own helper process), if it still exists. */
export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** Waits (bounded) until `pid` is gone; true when it went. */
export async function waitGone(pid: number, deadlineMs = 10_000): Promise<boolean> {
  return pollUntil(() => (isLive(pid) ? undefined : true), deadlineMs, () => "").catch(() => false);
}

/** Waits (bounded) until the serial log matches `re` (the test guest prints READY once its listeners are up). */
export async function waitForSerial(file: string, re: RegExp, deadlineMs = 90_000): Promise<void> {
  const text = () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
  await pollUntil(
    () => (re.test(text() ?? "") ? true : undefined),
    deadlineMs,
    () => `serial log ${file} never matched ${re} within ${deadlineMs} ms:\n${text()?.slice(-2000) ?? "(missing)"}`,
  );
}
