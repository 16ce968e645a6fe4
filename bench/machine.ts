/** A description of the machine the benchmark ran on, for docs/performance.md. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";

/** The facts printed with the results. */
export interface MachineInfo {
  nproc: number;
  memory: string;
  kernel: string;
  cpu: string;
  node: string;
  qemu: string;
  iproute2: string;
}

function firstLine(argv: string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 }).split("\n")[0]!.trim();
  } catch {
    return "not installed";
  }
}

/** Read the machine's facts (a few short commands). */
export function machineInfo(): MachineInfo {
  const cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "";
  return {
    nproc: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    qemu: firstLine(["qemu-system-x86_64", "--version"]),
    iproute2: firstLine(["ip", "-V"]),
  };
}
