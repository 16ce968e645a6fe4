import * as path from "node:path";
import type { Host } from "../host";
import type { HostFiles } from "../files/types";
import { liveProcess, readPidFile, signalPid, waitForExit } from "../qemu/qemu-process";
import { DNSMASQ_BINARY, dnsmasqArgv } from "./dnsmasq-config";
import type { DhcpPaths } from "./dhcp-paths";

/** How long dnsmasq may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5000;

/**
 * True when `pid` runs the dnsmasq binary (`/proc/<pid>/exe`, not its forgeable argv) with our config file as its
 * `--conf-file=` (its cmdline): guards against a recycled PID and a pidfile rewritten by dnsmasq's unprivileged user
 * (dnsmasq chowns its pidfile to that user).
 */
export async function isOurDnsmasq(files: HostFiles, pid: number, paths: DhcpPaths): Promise<boolean> {
  const exe = await files.realPath(`/proc/${pid}/exe`).catch(() => "");
  if (path.basename(exe) !== DNSMASQ_BINARY) return false;
  const raw = await files.readText(`/proc/${pid}/cmdline`).catch(() => undefined);
  if (!raw) return false;
  return raw.split("\0").slice(1).includes(`--conf-file=${paths.confFile}`);
}

/** The pid of the dnsmasq serving these paths, while it lives (pidfile + live + exe + cmdline), or undefined. */
export async function findOurDnsmasq(files: HostFiles, paths: DhcpPaths): Promise<number | undefined> {
  const pid = await readPidFile(files, paths.pidFile).catch(() => undefined);
  if (pid === undefined || !(await liveProcess(files, pid))) return undefined;
  return (await isOurDnsmasq(files, pid, paths)) ? pid : undefined;
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
 * it in place, so the deleted file lives on as one of its descriptors (`/proc/<pid>/fd/N -> "<leaseFile> (deleted)"`).
 * Read before a restart recreates the file, so no lease is lost. Undefined when there is none.
 */
export async function deletedLeaseText(files: HostFiles, pid: number, paths: DhcpPaths): Promise<string | undefined> {
  for (const fd of (await files.listDir?.(`/proc/${pid}/fd`)) ?? []) {
    const link = `/proc/${pid}/fd/${fd}`;
    if ((await files.realPath(link).catch(() => "")) === `${paths.leaseFile} (deleted)`) return files.readText(link).catch(() => undefined);
  }
  return undefined;
}

/** SIGHUP: dnsmasq re-reads its dhcp-hostsfile and addn-hosts (static leases) and keeps its leases and pid. */
export async function reloadDnsmasq(host: Host, pid: number): Promise<void> {
  await host.runner.run(["kill", "-HUP", String(pid)], { timeoutMs: 5000 });
}

/** Stop our dnsmasq: SIGTERM, then SIGKILL if it lingers; true when it is gone. */
export async function stopDnsmasq(host: Host, pid: number): Promise<boolean> {
  await signalPid(host, pid, "TERM");
  if (await waitForExit(host.files, pid, STOP_TIMEOUT_MS)) return true;
  await signalPid(host, pid, "KILL");
  return waitForExit(host.files, pid, STOP_TIMEOUT_MS);
}

/** A UDP socket bound to port 67 (a DHCP server) as `ss -Hlnup` shows it. */
export interface DhcpListener {
  /** Local address without the device: `0.0.0.0`, `*`, or an address. */
  address: string;
  /** The device it is bound to (`0.0.0.0%br0`), if any. */
  device?: string;
  /** Processes holding it: `users:(("dnsmasq",pid=12,fd=4))`. */
  processes: { name: string; pid: number }[];
}

/** UDP sockets on port 67 in `ss -Hlnup` output (State Recv-Q Send-Q Local Peer Process). Pure. */
export function parseDhcpListeners(text: string): DhcpListener[] {
  const out: DhcpListener[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const local = f.find((x, i) => i >= 3 && /:67$/.test(x) && i < 5);
    if (!local) continue;
    const hostPart = local.slice(0, local.lastIndexOf(":"));
    const pct = hostPart.indexOf("%");
    const processes = [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
    out.push({ address: pct < 0 ? hostPart : hostPart.slice(0, pct), ...(pct < 0 ? {} : { device: hostPart.slice(pct + 1) }), processes });
  }
  return out;
}

/**
 * Listeners that would take DHCP requests arriving on `bridge` away from our dnsmasq: bound to that device, or to the
 * IPv4 wildcard on no device. Processes in `ours` (our own dnsmasq, on update) do not count. Pure.
 */
export function conflictingDhcpListeners(listeners: readonly DhcpListener[], bridge: string, ours: readonly number[] = []): DhcpListener[] {
  return listeners.filter(
    (l) =>
      (l.device === bridge || (l.device === undefined && (l.address === "0.0.0.0" || l.address === "*"))) &&
      !(l.processes.length > 0 && l.processes.every((p) => ours.includes(p.pid))),
  );
}

/** UDP port-67 listeners in the host's namespace. */
export async function readDhcpListeners(host: Host): Promise<DhcpListener[]> {
  return parseDhcpListeners((await host.exec(["ss", "-Hlnup", "sport", "=", ":67"], { timeoutMs: 10_000 })).stdout);
}
