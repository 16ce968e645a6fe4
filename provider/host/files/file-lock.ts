import { promises as fs, constants } from "node:fs";
import * as path from "node:path";

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting after this long (default 15 s). */
  timeoutMs?: number;
}

/** The default bound on waiting for a lock. */
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;

/** Raised when a lock could not be taken in time; names the holder so a person can act. */
export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: string | undefined,
    timeoutMs: number,
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for lock ${lockPath}` +
        (holder ? ` held by ${holder}` : "") +
        `; if no qemu-lab process is running, remove ${lockPath}`,
    );
    this.name = "LockTimeoutError";
  }
}

// In-process queue per lock path: calls in this process take turns before touching the lock file.
const tails = new Map<string, Promise<unknown>>();

/**
 * Run fn holding an exclusive lock named by lockPath, across async calls in this process (a queue)
 * and across processes (an `O_EXCL` lock file holding `pid starttime`). A lock file whose owner is
 * dead (or whose pid was reused by another process) is stale and is broken under a second O_EXCL
 * "breaker" file, so two waiters can never both delete it and remove a fresh lock. Waiting backs off
 * from 1 ms to 50 ms and is bounded by `timeoutMs`.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const prev = tails.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  tails.set(lockPath, tail);
  await prev.catch(() => undefined);
  try {
    const token = await acquire(lockPath, options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    try {
      return await fn();
    } finally {
      await releaseFile(lockPath, token);
    }
  } finally {
    release();
    if (tails.get(lockPath) === tail) tails.delete(lockPath);
  }
}

/** This process's identity as written into lock files. */
async function ownToken(): Promise<string> {
  return `${process.pid} ${(await startTimeOf(process.pid)) ?? "?"}\n`;
}

async function acquire(lockPath: string, timeoutMs: number): Promise<string> {
  const token = await ownToken();
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (await tryCreate(lockPath, token)) return token;
    const holder = await fs.readFile(lockPath, "utf8").catch(() => undefined);
    if (holder === undefined) continue; // released between our attempt and the read: try again now
    if (!(await isLive(holder, lockPath)) && (await breakStale(lockPath, holder))) continue;
    if (Date.now() >= deadline) throw new LockTimeoutError(lockPath, describeHolder(holder), timeoutMs);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/** Create the lock file exclusively with our token; false when it exists. */
async function tryCreate(p: string, token: string): Promise<boolean> {
  let fh;
  const open = () => fs.open(p, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
  try {
    fh = await open().catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
      await fs.mkdir(path.dirname(p), { recursive: true, mode: 0o755 }); // the lock's directory may not exist yet
      return open();
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    await fh.writeFile(token, "utf8");
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Remove a stale lock. Holding the breaker file, re-read the lock: only breaker holders delete
 * another owner's file, so if it still holds the dead owner's token, unlinking it cannot remove a fresh lock.
 */
async function breakStale(lockPath: string, staleToken: string): Promise<boolean> {
  const breaker = `${lockPath}.break`;
  const token = await ownToken();
  if (!(await tryCreate(breaker, token))) {
    // A breaker left by a process that died mid-break (a few syscalls wide): remove it; otherwise let its owner finish.
    const b = await fs.readFile(breaker, "utf8").catch(() => undefined);
    if (b !== undefined && !(await isLive(b, breaker))) await fs.rm(breaker, { force: true });
    return false;
  }
  try {
    const now = await fs.readFile(lockPath, "utf8").catch(() => undefined);
    if (now === staleToken) await fs.rm(lockPath, { force: true });
    return true;
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

async function releaseFile(lockPath: string, token: string): Promise<void> {
  // Only remove the file if it is still ours (it always should be).
  const now = await fs.readFile(lockPath, "utf8").catch(() => undefined);
  if (now === token) await fs.rm(lockPath, { force: true });
}

/** Parse a lock file's `pid starttime` token; undefined when empty or garbled. */
export function parseLockToken(text: string): { pid: number; start?: string } | undefined {
  const m = /^(\d+) (\S+)\n?$/.exec(text);
  if (!m) return undefined;
  return { pid: Number(m[1]), start: m[2] === "?" ? undefined : m[2] };
}

/** How long an empty or garbled lock file is given before it counts as stale (its writer died between open and write). */
const UNREADABLE_GRACE_MS = 2000;

/** True when the token's process is alive and is the same process (start time matches: pids get reused). */
async function isLive(token: string, file: string): Promise<boolean> {
  const t = parseLockToken(token);
  if (!t) {
    const st = await fs.stat(file).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs < UNREADABLE_GRACE_MS;
  }
  const start = await startTimeOf(t.pid);
  if (start === undefined) return false;
  return t.start === undefined || t.start === start;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined when the process is gone. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

function describeHolder(token: string | undefined): string | undefined {
  const t = token === undefined ? undefined : parseLockToken(token);
  return t ? `pid ${t.pid}` : undefined;
}
