import { jsonEqual } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import type { QemuVmInputs, QemuVmState } from "./schema";

/** Inputs that shape the running QEMU: a change needs a new QEMU process (replace). */
export const VM_REPLACE_KEYS = [
  "name", "memoryMiB", "cpus", "accel", "machine", "cpuModel", "kernel", "initrd", "kernelArgs", "disks", "cdroms", "host",
] as const;

/** Statuses update acts on: a gone process is started again, a paused VM resumed, a dead guest restarted. */
export const RESTARTABLE_STATUSES = ["stopped", "orphaned", "paused", "suspended", "shutdown", "internal-error", "guest-panicked", "io-error"] as const;

/** A NIC without its host forwards: what needs a new QEMU to change. */
function nicHardware(n: Record<string, unknown>): Record<string, unknown> {
  const { hostForwards: _f, ...rest } = n;
  return rest;
}

/**
 * Pure diff of a VM. Updated in place: inline `hostForwards` (hostfwd_add/remove over QMP),
 * `stopTimeoutSeconds` (used only by delete), and `status` when the VM is not running (update starts
 * or resumes it). Everything else is a replace, always delete-before-replace: the new VM has the same
 * name, state dir and disks, and two QEMUs must never run on one disk.
 */
export function diffQemuVm(olds: QemuVmState, news: QemuVmInputs): DiffResult {
  const o = olds as unknown as Record<string, unknown>;
  const n = news as unknown as Record<string, unknown>;
  const replaces: string[] = VM_REPLACE_KEYS.filter((k) => !jsonEqual(o[k], n[k]));
  const updates: string[] = [];
  const oldNics = (Array.isArray(o.nics) ? o.nics : []) as Record<string, unknown>[];
  const newNics = (Array.isArray(n.nics) ? n.nics : []) as Record<string, unknown>[];
  const sameHardware = oldNics.length === newNics.length && oldNics.every((x, i) => jsonEqual(nicHardware(x), nicHardware(newNics[i]!)));
  if (!sameHardware) replaces.push("nics");
  else if (!oldNics.every((x, i) => jsonEqual(x.hostForwards ?? [], newNics[i]!.hostForwards ?? []))) updates.push("nics");
  if (!jsonEqual(o.stopTimeoutSeconds, n.stopTimeoutSeconds)) updates.push("stopTimeoutSeconds");
  if (typeof o.status === "string" && (RESTARTABLE_STATUSES as readonly string[]).includes(o.status)) updates.push("status");
  return {
    changes: replaces.length + updates.length > 0,
    updates,
    replaces,
    deleteBeforeReplace: replaces.length > 0,
  };
}
