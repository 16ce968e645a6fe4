import { jsonEqual } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import type { QemuVmInputs, QemuVmState } from "./schema";

/**
 * Inputs that shape the running QEMU: a change needs a new QEMU process (replace). `cloudInit` too: a new seed must be
 * read by a fresh boot, and its default instance-id changes with the data so cloud-init runs again.
 */
export const VM_REPLACE_KEYS = [
  "name", "memoryMiB", "cpus", "accel", "machine", "cpuModel", "kernel", "initrd", "kernelArgs", "cdroms", "cloudInit", "host",
] as const;

/** Statuses update acts on: a gone process is started again, a paused VM resumed, a dead guest restarted. */
export const RESTARTABLE_STATUSES = ["stopped", "orphaned", "paused", "suspended", "shutdown", "internal-error", "guest-panicked", "io-error"] as const;

/**
 * Statuses in which no QEMU writes to the VM's disks any more, or update stops it before starting a new one: only there
 * can a missing overlay be recreated by a start. A paused or suspended QEMU still holds the unlinked file (update would
 * resume it), so there a missing overlay needs a replace.
 */
export const NOT_WRITING_STATUSES = ["stopped", "orphaned", "shutdown", "internal-error", "guest-panicked", "io-error"] as const;

/** A NIC without its host forwards: what needs a new QEMU to change. */
function nicHardware(n: Record<string, unknown>): Record<string, unknown> {
  const { hostForwards: _f, ...rest } = n;
  return rest;
}

/** A disk without what changes in place (an overlay's size, keepOnDelete): what needs a new QEMU to change. */
function diskHardware(d: Record<string, unknown>): Record<string, unknown> {
  const { keepOnDelete: _k, overlay, ...rest } = d;
  if (!overlay || typeof overlay !== "object") return rest;
  const { sizeGiB: _s, ...base } = overlay as Record<string, unknown>;
  return { ...rest, overlay: base };
}

/** The in-place part of a disk: overlay size and keepOnDelete (absent in states older than the field: false). */
function diskInPlace(d: Record<string, unknown>): unknown[] {
  const overlay = d.overlay as Record<string, unknown> | undefined;
  return [overlay?.sizeGiB, d.keepOnDelete === true];
}

const asList = (v: unknown) => (Array.isArray(v) ? v : []) as Record<string, unknown>[];

/**
 * Pure diff of a VM. Updated in place: inline `hostForwards` (hostfwd_add/remove over QMP), an overlay's `sizeGiB`
 * (grown live with block_resize, or offline on the next start; a shrink is refused by check and update) and
 * `keepOnDelete`, `readiness` (used only when QEMU starts), `stopTimeoutSeconds` (used only by delete), and `status`
 * when the VM is not running (update starts or resumes it). An overlay found missing by refresh: a running VM is
 * replaced (its QEMU still writes to the unlinked file, which no later start could find), and so is a paused or
 * suspended one (update would resume it); a stopped or dead one is started (which recreates it). Everything else is
 * a replace, always delete-before-replace: the new VM has the same name, state dir and disks, and two QEMUs must never
 * run on one disk.
 */
export function diffQemuVm(olds: QemuVmState, news: QemuVmInputs): DiffResult {
  const o = olds as unknown as Record<string, unknown>;
  const n = news as unknown as Record<string, unknown>;
  const replaces: string[] = VM_REPLACE_KEYS.filter((k) => !jsonEqual(o[k], n[k]));
  const updates: string[] = [];
  const restartable = typeof o.status === "string" && (RESTARTABLE_STATUSES as readonly string[]).includes(o.status);

  const oldDisks = asList(o.disks);
  const newDisks = asList(n.disks);
  const sameDisks = oldDisks.length === newDisks.length && oldDisks.every((x, i) => jsonEqual(diskHardware(x), diskHardware(newDisks[i]!)));
  const missing = Array.isArray(o.missingOverlays) && o.missingOverlays.length > 0;
  const notWriting = typeof o.status === "string" && (NOT_WRITING_STATUSES as readonly string[]).includes(o.status);
  if (!sameDisks || (missing && !notWriting)) replaces.push("disks");
  else if (!oldDisks.every((x, i) => jsonEqual(diskInPlace(x), diskInPlace(newDisks[i]!)))) updates.push("disks");

  const oldNics = asList(o.nics);
  const newNics = asList(n.nics);
  const sameHardware = oldNics.length === newNics.length && oldNics.every((x, i) => jsonEqual(nicHardware(x), nicHardware(newNics[i]!)));
  if (!sameHardware) replaces.push("nics");
  else if (!oldNics.every((x, i) => jsonEqual(x.hostForwards ?? [], newNics[i]!.hostForwards ?? []))) updates.push("nics");
  if (!jsonEqual(o.readiness, n.readiness)) updates.push("readiness");
  if (!jsonEqual(o.stopTimeoutSeconds, n.stopTimeoutSeconds)) updates.push("stopTimeoutSeconds");
  if (restartable) updates.push("status");
  return {
    changes: replaces.length + updates.length > 0,
    updates,
    replaces,
    deleteBeforeReplace: replaces.length > 0,
  };
}
