import * as path from "node:path";
import { SAFE_NAME } from "../safe-name";
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
  /** The cloud-init NoCloud seed ISO (0600: it holds user-data). */
  seedIso: string;
}

/**
 * Why VM `name` under `stateDir` cannot have a QMP socket, or undefined when it fits: sun_path counts bytes, so a
 * stateDir with non-ASCII characters counts them as UTF-8. Pure.
 */
export function qmpSocketProblem(stateDir: string | undefined, name: string): string | undefined {
  if (!VM_NAME.test(name)) return undefined; // the name's own check reports it
  const sock = layout(stateDir, name).qmpSocket;
  const bytes = Buffer.byteLength(sock, "utf8");
  return bytes > UNIX_PATH_MAX ? `the QMP socket path ${sock} is ${bytes} bytes, over the unix socket limit of ${UNIX_PATH_MAX}` : undefined;
}

/** A VM name: QEMU's `-name` and a directory under stateDir, so no path can escape it and no comma splits an option. */
export const VM_NAME = SAFE_NAME;

/**
 * The runtime file layout of VM `name` under `stateDir` (default {@link DEFAULT_STATE_DIR}). Pure. Throws on a name
 * or stateDir that could escape (check refuses them; this guards values read back from a state edited by hand).
 */
export function vmPaths(stateDir: string | undefined, name: string): VmPaths {
  if (!VM_NAME.test(name)) throw new Error(`invalid VM name ${JSON.stringify(name)}: the recorded state was edited or is corrupt; fix the state (pulumi state edit) or delete the resource from it`);
  if (stateDir !== undefined && (!stateDir.startsWith("/") || stateDir.split("/").includes("..")))
    throw new Error(`invalid stateDir ${JSON.stringify(stateDir)}: must be an absolute path without '..'; the recorded state was edited or is corrupt`);
  return layout(stateDir, name);
}

function layout(stateDir: string | undefined, name: string): VmPaths {
  const dir = path.join(stateDir ?? DEFAULT_STATE_DIR, "vms", name);
  return {
    dir,
    qmpSocket: path.join(dir, "qmp.sock"),
    pidFile: path.join(dir, "qemu.pid"),
    serialLog: path.join(dir, "serial.log"),
    stderrLog: path.join(dir, "qemu.stderr"),
    metaFile: path.join(dir, "meta.json"),
    seedIso: path.join(dir, "seed.iso"),
  };
}
