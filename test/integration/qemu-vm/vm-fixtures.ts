import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { sh } from "../../support/netns";
import { isQemu } from "../../support/processes";

/** A temp state dir per test file; cleanup kills (by pid, SIGKILL) every QEMU whose pidfile is inside, then removes it. */
export class VmStateDirs {
  private readonly dirs: string[] = [];
  private readonly pids = new Set<number>();

  create(): string {
    const d = mkdtempSync(path.join(tmpdir(), "qlvm-"));
    this.dirs.push(d);
    return d;
  }

  /** Remember a pid the test saw, so cleanup kills it even when its state dir is gone. */
  track(pid: number | undefined): void {
    if (pid) this.pids.add(pid);
  }

  cleanup(): void {
    for (const d of this.dirs) {
      const vms = path.join(d, "vms");
      if (existsSync(vms))
        for (const vm of readdirSync(vms)) {
          const pidFile = path.join(vms, vm, "qemu.pid");
          if (existsSync(pidFile)) this.pids.add(Number(readFileSync(pidFile, "utf8").trim()));
        }
    }
    for (const pid of this.pids) if (isQemu(pid)) sh(["kill", "-KILL", String(pid)], { allowFail: true });
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.dirs.length = 0;
    this.pids.clear();
  }
}

/** Live QEMU processes whose command line mentions `needle` (e.g. a state dir). */
export function qemuProcessesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(needle) && isQemu(Number(e))) out.push(Number(e));
    } catch {
      /* raced with exit */
    }
  }
  return out;
}

/** Write the namespace's bridge.conf directly (`ip netns exec` bind-mounts /etc/netns/NS/qemu over /etc/qemu, which must exist). */
export function writeNetnsAcl(netns: string, text: string): void {
  if (!existsSync("/etc/qemu")) mkdirSync("/etc/qemu", { recursive: true });
  mkdirSync(`/etc/netns/${netns}/qemu`, { recursive: true });
  writeFileSync(`/etc/netns/${netns}/qemu/bridge.conf`, text);
}

/** Names of the links enslaved to `master` in a namespace. */
export function portsOf(netns: string, master: string): string[] {
  const out = sh(["ip", "-n", netns, "-j", "link", "show", "master", master]).trim();
  return out ? (JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname) : [];
}

/** TCP listeners (`addr:port`) in a namespace. */
export function tcpListeners(netns: string): string[] {
  return sh(["ip", "netns", "exec", netns, "ss", "-Hltn"])
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[3])
    .filter((x): x is string => !!x);
}
