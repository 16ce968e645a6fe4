import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { vmPaths, type VmPaths } from "../../../provider/host/qemu/vm-paths";
import { isLive } from "../../support/processes";

/**
 * A QEMU without a guest (TCG, no disk) inside a test namespace, with its QMP socket where a QemuVm's
 * would be: enough for hostfwd_add/remove/info usernet. Stop it in cleanup; it is killed by PID.
 */
export class BareQemu {
  readonly paths: VmPaths;
  pid?: number;

  constructor(
    readonly netns: string,
    readonly stateDir: string,
    readonly vm: string,
    readonly netdevs: string[] = ["net0"],
  ) {
    this.paths = vmPaths(stateDir, vm);
  }

  /** Start and return once QMP listens (-daemonize returns after initialisation). */
  start(): this {
    fs.mkdirSync(this.paths.dir, { recursive: true });
    const nics = this.netdevs.flatMap((id) => ["-netdev", `user,id=${id}`, "-device", `virtio-net-pci,netdev=${id}`]);
    execFileSync(
      "ip",
      ["netns", "exec", this.netns, "qemu-system-x86_64", "-accel", "tcg", "-display", "none", "-nodefaults", "-m", "64",
        ...nics, "-qmp", `unix:${this.paths.qmpSocket},server=on,wait=off`, "-daemonize", "-pidfile", this.paths.pidFile],
      { stdio: ["ignore", "pipe", "pipe"], timeout: 30000 },
    );
    this.pid = Number(fs.readFileSync(this.paths.pidFile, "utf8").trim());
    return this;
  }

  /** Kill our QEMU by PID and wait (bounded, polling) until it has exited. */
  async stop(): Promise<void> {
    const pid = this.pid;
    this.pid = undefined;
    if (!pid) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return; // already gone
    }
    for (let i = 0; i < 200 && isLive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  }
}
