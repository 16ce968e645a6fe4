import * as path from "node:path";
import type { Host } from "../host";
import type { HostFiles } from "../files/types";
import { QEMU_BINARY } from "./qemu-argv";
import type { VmPaths } from "./vm-paths";

/** What we record next to a VM at launch, to recognise our own QEMU later (not a recycled PID). */
export interface VmMeta {
  instanceId: string;
  /** QEMU's argv without the binary, exactly as launched. */
  argv: string[];
  pid?: number;
  /** Field 22 of /proc/<pid>/stat: the process start time in clock ticks since boot. */
  startTime?: string;
  /** The resource that launched it (`project/stack/name`), when the SDK said: recognises our own orphan after a crash. */
  owner?: string;
}

/** Parse /proc/<pid>/stat: the state letter and start time (fields after the `)` of the comm). Pure. */
export function parseProcStat(text: string): { state: string; startTime: string } | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field 22 (starttime) is f[19].
  if (f.length < 20) return undefined;
  return { state: f[0]!, startTime: f[19]! };
}

/** `Threads:` of /proc/<pid>/status. Pure. */
export function parseThreadCount(status: string): number | undefined {
  const m = /^Threads:\s*(\d+)/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/**
 * The process's stat while it lives, or undefined when it is gone. A zombie leader whose other threads
 * still exit counts as alive: until the last thread is gone its sockets (host forwards, QMP) stay open.
 */
export async function liveProcess(files: HostFiles, pid: number): Promise<{ state: string; startTime: string } | undefined> {
  const st = parseProcStat((await files.readText(`/proc/${pid}/stat`).catch(() => undefined)) ?? "");
  if (!st) return undefined;
  if (st.state === "Z" || st.state === "X") {
    const threads = parseThreadCount((await files.readText(`/proc/${pid}/status`).catch(() => undefined)) ?? "");
    return threads !== undefined && threads > 1 ? st : undefined;
  }
  return st;
}

/** The pid in a pidfile, or undefined. */
export async function readPidFile(files: HostFiles, pidFile: string): Promise<number | undefined> {
  const t = (await files.readText(pidFile, { noFollow: true }))?.trim();
  const pid = t && /^\d+$/.test(t) ? Number(t) : undefined;
  return pid && pid > 1 ? pid : undefined;
}

/**
 * True when the process runs a QEMU binary (`/proc/<pid>/exe`, not its forgeable argv) with exactly `argv` in
 * /proc/<pid>/cmdline (what we launched): guards against recycled PIDs and a forged meta.json naming another process.
 */
export async function isOurQemu(files: HostFiles, pid: number, argv: readonly string[]): Promise<boolean> {
  const exe = await files.realPath(`/proc/${pid}/exe`).catch(() => "");
  if (!path.basename(exe).startsWith("qemu-system-")) return false;
  const raw = await files.readText(`/proc/${pid}/cmdline`).catch(() => undefined);
  if (!raw) return false;
  const got = raw.split("\0");
  if (got[got.length - 1] === "") got.pop();
  return got.length === argv.length + 1 && got.slice(1).every((a, i) => a === argv[i]);
}

/** Read meta.json, or undefined when absent or unreadable. */
export async function readVmMeta(files: HostFiles, paths: VmPaths): Promise<VmMeta | undefined> {
  const t = await files.readText(paths.metaFile, { noFollow: true });
  if (!t) return undefined;
  try {
    const m = JSON.parse(t) as VmMeta;
    return Array.isArray(m.argv) && typeof m.instanceId === "string" ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the QEMU we launched for this VM, when it is still alive (pidfile + cmdline + start time match). */
export async function findOurQemu(files: HostFiles, paths: VmPaths, meta: VmMeta | undefined): Promise<number | undefined> {
  if (!meta) return undefined;
  const pid = (await readPidFile(files, paths.pidFile)) ?? meta.pid;
  if (!pid) return undefined;
  const st = await liveProcess(files, pid);
  if (!st) return undefined;
  if (meta.startTime !== undefined && meta.startTime !== st.startTime) return undefined;
  return (await isOurQemu(files, pid, meta.argv)) ? pid : undefined;
}

/** Running QEMUs by the pidfile in their argv, per host files: a scan in flight is shared by concurrent callers. */
const scans = new WeakMap<HostFiles, Promise<Map<string, number>>>();

async function scanQemus(files: HostFiles): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const entry of (await files.listDir?.("/proc")) ?? []) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = ((await files.readText(`/proc/${entry}/cmdline`).catch(() => undefined)) ?? "").split("\0");
    const at = argv.indexOf("-pidfile");
    if (at < 0 || argv[at + 1] === undefined) continue;
    const exe = await files.realPath(`/proc/${entry}/exe`).catch(() => "");
    if (path.basename(exe).startsWith("qemu-system-")) out.set(argv[at + 1]!, Number(entry));
  }
  return out;
}

/**
 * A live QEMU launched for these paths (`-pidfile <paths.pidFile>` in its argv, a QEMU binary as its exe), found by
 * scanning /proc: for a VM whose meta.json and pidfile are gone (its state directory removed by hand) while QEMU runs.
 * Concurrent callers (many VMs created at once) share one scan.
 */
export async function findQemuByPaths(files: HostFiles, paths: VmPaths): Promise<number | undefined> {
  let scan = scans.get(files);
  if (!scan) {
    scan = scanQemus(files).finally(() => scans.delete(files)); // never reused once done: a later QEMU must be seen
    scans.set(files, scan);
  }
  const pid = (await scan).get(paths.pidFile);
  return pid !== undefined && (await liveProcess(files, pid)) ? pid : undefined;
}

/** Poll (short backoff, no fixed sleep) until `pid` has exited or the deadline passes; true when it exited. */
export async function waitForExit(files: HostFiles, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    if (!(await liveProcess(files, pid))) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, 200);
  }
}

/** Send a signal to a pid; a process already gone is fine. */
export async function signalPid(host: Host, pid: number, signal: "TERM" | "KILL"): Promise<void> {
  await host.runner.run(["kill", `-${signal}`, String(pid)], { okExitCodes: [0, 1], timeoutMs: 5000 });
}

/**
 * Start QEMU daemonized inside the host's namespace. With `-daemonize` QEMU's first process exits only
 * after the machine is set up (bridge helper, hostfwd, files), printing any error on stderr first: so a
 * resolved promise means QEMU accepted the configuration. stderr is also kept in the VM's stderr log.
 */
export async function launchQemu(host: Host, argv: readonly string[], paths: VmPaths, timeoutMs = 60_000): Promise<void> {
  try {
    const r = await host.exec([QEMU_BINARY, ...argv], { timeoutMs });
    await host.files.writeTextAtomic(paths.stderrLog, r.stderr, { mode: 0o600 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr;
    if (stderr !== undefined) await host.files.writeTextAtomic(paths.stderrLog, stderr, { mode: 0o600 }).catch(() => undefined);
    throw e;
  }
}
