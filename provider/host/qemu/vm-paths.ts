import * as path from "node:path";
import { DEFAULT_STATE_DIR } from "../target";

/** Longest unix socket path (sun_path is 108 bytes with the NUL): a VM's QMP socket must fit. */
export const UNIX_PATH_MAX = 107;

/** Where a VM's runtime files live: `<stateDir>/vms/<name>/`. Names are validated at check so no path escapes stateDir. */
export interface VmPaths {
  dir: string;
  qmpSocket: string;
  pidFile: string;
  serialLog: string;
  stderrLog: string;
  /** What we launched (argv, instance id), to recognise our own QEMU and for read. */
  metaFile: string;
}

/** The runtime file layout of VM `name` under `stateDir` (default {@link DEFAULT_STATE_DIR}). Pure. */
export function vmPaths(stateDir: string | undefined, name: string): VmPaths {
  const dir = path.join(stateDir ?? DEFAULT_STATE_DIR, "vms", name);
  return {
    dir,
    qmpSocket: path.join(dir, "qmp.sock"),
    pidFile: path.join(dir, "qemu.pid"),
    serialLog: path.join(dir, "serial.log"),
    stderrLog: path.join(dir, "qemu.stderr"),
    metaFile: path.join(dir, "meta.json"),
  };
}
