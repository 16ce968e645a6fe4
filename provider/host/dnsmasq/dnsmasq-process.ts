import * as path from "node:path";
import type { Host } from "../host";
import type { HostFiles } from "../files/types";
import { liveProcess, readPidFile, signalPid, waitForExit } from "../qemu/qemu-process";
import { DNSMASQ_BINARY, dnsmasqArgv } from "./dnsmasq-config";
import type { DhcpPaths } from "./dhcp-paths";

/** How long dnsmasq may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5000;
/** How long dnsmasq may take to log that it re-read its hosts file after SIGHUP. */
const RELOAD_TIMEOUT_MS = 5000;

/** What the kernel appends to `/proc/<pid>/exe` once the binary was replaced or removed (a package upgrade). */
const DELETED_SUFFIX = " (deleted)";

/**
 * True when `exe` (the target of `/proc/<pid>/exe`) is the program `binary`, also after a package upgrade replaced
 * the file the process still runs (`/usr/sbin/dnsmasq (deleted)`). Pure.
 */
export function exeIsBinary(exe: string, binary: string): boolean {
  return path.basename(exe.endsWith(DELETED_SUFFIX) ? exe.slice(0, -DELETED_SUFFIX.length) : exe) === binary;
}

/**
 * True when `pid` runs the dnsmasq binary (`/proc/<pid>/exe`, not its forgeable argv) with our config file as its
 * `--conf-file=` (its cmdline): guards against a recycled PID and a pidfile rewritten by dnsmasq's unprivileged user
 * (dnsmasq chowns its pidfile to that user).
 */
export async function isOurDnsmasq(files: HostFiles, pid: number, paths: DhcpPaths): Promise<boolean> {
  const exe = await files.realPath(`/proc/${pid}/exe`).catch(() => "");
  if (!exeIsBinary(exe, DNSMASQ_BINARY)) return false;
  const raw = await files.readText(`/proc/${pid}/cmdline`).catch(() => undefined);
  if (!raw) return false;
  return raw.split("\0").slice(1).includes(`--conf-file=${paths.confFile}`);
}

/**
 * Live dnsmasq processes started with our config file, found by scanning /proc: an orphan whose pidfile is gone (its
 * directory removed by hand, or a pidfile dnsmasq's user rewrote) is still found and can be stopped.
 */
export async function scanForOurDnsmasq(files: HostFiles, paths: DhcpPaths): Promise<number[]> {
  const out: number[] = [];
  const wanted = `--conf-file=${paths.confFile}`;
  for (const entry of (await files.listDir?.("/proc")) ?? []) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    // The cmdline first (cheap, most processes fail it), then the exe and liveness.
    const argv = ((await files.readText(`/proc/${entry}/cmdline`).catch(() => undefined)) ?? "").split("\0");
    if (!argv.slice(1).includes(wanted)) continue;
    if ((await liveProcess(files, pid)) && (await isOurDnsmasq(files, pid, paths))) out.push(pid);
  }
  return out;
}

/**
 * The pid of the dnsmasq serving these paths, while it lives, or undefined: the pidfile's pid when it is ours (live +
 * exe + cmdline), else one found by scanning /proc for our `--conf-file=`.
 */
export async function findOurDnsmasq(files: HostFiles, paths: DhcpPaths): Promise<number | undefined> {
  const pid = await readPidFile(files, paths.pidFile).catch(() => undefined);
  if (pid !== undefined && (await liveProcess(files, pid)) && (await isOurDnsmasq(files, pid, paths))) return pid;
  return (await scanForOurDnsmasq(files, paths))[0];
}

/**
 * Start dnsmasq in the host's namespace. dnsmasq forks and its first process exits only once the child has bound its
 * sockets, read its files and written the pidfile, printing any error first: a resolved promise means it started.
 */
export async function launchDnsmasq(host: Host, paths: DhcpPaths, timeoutMs = 30_000): Promise<void> {
  await host.exec(dnsmasqArgv(paths), { timeoutMs });
}

/**
 * The leases our running dnsmasq still holds in a lease file someone deleted: dnsmasq keeps the file open and rewrites
 * it in place, so the deleted file lives on as one of its descriptors (`/proc/<pid>/fd/N -> "<leaseFile> (deleted)"`,
 * the kernel's name for it: the real path, so a state directory reached through a symlink is resolved first). Read
 * before a restart recreates the file, so no lease is lost. Undefined when there is none.
 */
export async function deletedLeaseText(files: HostFiles, pid: number, paths: DhcpPaths): Promise<string | undefined> {
  const deleted = `${path.join(await files.realPath(paths.dir), path.basename(paths.leaseFile))}${DELETED_SUFFIX}`;
  for (const fd of (await files.listDir?.(`/proc/${pid}/fd`)) ?? []) {
    const link = `/proc/${pid}/fd/${fd}`;
    if ((await files.realPath(link).catch(() => "")) === deleted) return files.readText(link).catch(() => undefined);
  }
  return undefined;
}

/** How many times dnsmasq's log says it read `hostsFile` (`dnsmasq-dhcp[pid]: read <hostsFile>`). Pure. */
export function hostsReadCount(log: string, hostsFile: string): number {
  return log.split("\n").filter((l) => l.endsWith(`: read ${hostsFile}`)).length;
}

/**
 * SIGHUP: dnsmasq re-reads its dhcp-hostsfile and addn-hosts (static leases) and keeps its leases and pid. Resolves once
 * its log shows another read of the hosts file (so the new static leases are served), and throws when that does not
 * happen within a few seconds.
 */
export async function reloadDnsmasq(host: Host, pid: number, paths: DhcpPaths, timeoutMs = RELOAD_TIMEOUT_MS): Promise<void> {
  const reads = async () => hostsReadCount((await host.files.readText(paths.logFile, { noFollow: true }).catch(() => undefined)) ?? "", paths.hostsFile);
  const before = await reads();
  await host.runner.run(["kill", "-HUP", String(pid)], { timeoutMs: 5000 });
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; (await reads()) <= before; delay = Math.min(delay * 2, 200)) {
    if (Date.now() >= deadline)
      throw new Error(`dnsmasq (pid ${pid}) was sent SIGHUP but did not log re-reading ${paths.hostsFile} within ${timeoutMs / 1000}s; see its log ${paths.logFile}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Stop our dnsmasq: SIGTERM, then SIGKILL if it lingers; true when it is gone. */
export async function stopDnsmasq(host: Host, pid: number): Promise<boolean> {
  await signalPid(host, pid, "TERM");
  if (await waitForExit(host.files, pid, STOP_TIMEOUT_MS)) return true;
  await signalPid(host, pid, "KILL");
  return waitForExit(host.files, pid, STOP_TIMEOUT_MS);
}

/** A listening socket on one port as `ss -Hln` shows it. */
export interface Listener {
  /** Local address without the device: `0.0.0.0`, `*`, or an address. */
  address: string;
  /** The device it is bound to (`0.0.0.0%br0`), if any. */
  device?: string;
  /** Processes holding it: `users:(("dnsmasq",pid=12,fd=4))`. */
  processes: { name: string; pid: number }[];
}

/**
 * Sockets on `port` in `ss -Hln[t]up` output (`[Netid] State Recv-Q Send-Q Local Peer Process`: with both `-t` and `-u`
 * ss adds the Netid column). IPv6 addresses (`[::1]:53`) keep their brackets. Pure.
 */
export function parseListeners(text: string, port: number): Listener[] {
  const out: Listener[] = [];
  const suffix = `:${port}`;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const local = f.find((x, i) => i >= 3 && i < 5 && x.endsWith(suffix));
    if (!local) continue;
    const hostPart = local.slice(0, -suffix.length);
    const pct = hostPart.indexOf("%");
    const processes = [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
    out.push({ address: pct < 0 ? hostPart : hostPart.slice(0, pct), ...(pct < 0 ? {} : { device: hostPart.slice(pct + 1) }), processes });
  }
  return out;
}

/** True when every process holding `l` is in `ours` (our own dnsmasq, on update). */
const heldByUs = (l: Listener, ours: readonly number[]) => l.processes.length > 0 && l.processes.every((p) => ours.includes(p.pid));
/** The IPv4 wildcard as ss shows it: `0.0.0.0`, or `*` for a dual-stack `[::]` socket. */
const isWildcard = (address: string) => address === "0.0.0.0" || address === "*";

/**
 * Port-67 listeners that would take DHCP requests arriving on `bridge` away from our dnsmasq: bound to that device, or
 * to the IPv4 wildcard on no device. Processes in `ours` do not count. Pure.
 */
export function conflictingDhcpListeners(listeners: readonly Listener[], bridge: string, ours: readonly number[] = []): Listener[] {
  return listeners.filter((l) => (l.device === bridge || (l.device === undefined && isWildcard(l.address))) && !heldByUs(l, ours));
}

/**
 * Port-53 listeners that stop our dnsmasq from binding DNS on the bridge's addresses (it then exits with "failed to
 * create listening socket"): bound to one of `addresses`, or to the wildcard on no device or on `bridge`. Processes in
 * `ours` do not count. Pure.
 */
export function conflictingDnsListeners(listeners: readonly Listener[], bridge: string, addresses: readonly string[], ours: readonly number[] = []): Listener[] {
  return listeners.filter(
    (l) => (addresses.includes(l.address) || (isWildcard(l.address) && (l.device === undefined || l.device === bridge))) && !heldByUs(l, ours),
  );
}

/** Listening sockets on `port` in the host's namespace: UDP, and TCP too with `tcp`. */
export async function readListeners(host: Host, port: number, tcp = false): Promise<Listener[]> {
  const r = await host.exec(["ss", tcp ? "-Hlntup" : "-Hlnup", "sport", "=", `:${port}`], { timeoutMs: 10_000 });
  return parseListeners(r.stdout, port);
}
