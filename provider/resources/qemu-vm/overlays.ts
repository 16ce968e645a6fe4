import type { Host } from "../../host/host";
import { ensureOverlay, rebaseArgv, removeOverlay, shrinkProblem, type OverlaySpec } from "../../host/qemu/overlay";
import { formatArgv } from "../../host/runner/command-error";
import { diskDriveId } from "../../host/qemu/qemu-argv";
import { GIB } from "../../host/qemu/qemu-img";
import { messageOf } from "../../host/runner/message-of";
import type { CheckFailure } from "../common/handler";
import type { QemuVmDisk } from "./schema";

/** The overlay of a disk, or undefined for a plain disk. Pure. */
export function overlayOf(d: Pick<QemuVmDisk, "path" | "overlay">): OverlaySpec | undefined {
  return d.overlay ? { path: d.path, ...d.overlay } : undefined;
}

/** An overlay whose declared size changes between two versions of a VM (same position, same path and base). */
export interface OverlayResize {
  index: number;
  path: string;
  fromGiB?: number;
  toGiB: number;
}

/**
 * Declared size changes of overlays kept across an update: `grow` (applied in place) and `shrink` (refused). A size
 * removed (back to "the base's") changes nothing on disk and is neither. Pure.
 */
export function overlayResizes(olds: readonly Partial<QemuVmDisk>[], news: readonly QemuVmDisk[]): { grow: OverlayResize[]; shrink: OverlayResize[] } {
  const grow: OverlayResize[] = [];
  const shrink: OverlayResize[] = [];
  news.forEach((n, index) => {
    const o = olds[index];
    if (!o?.overlay || !n.overlay || o.path !== n.path || o.overlay.backingFile !== n.overlay.backingFile) return;
    const from = o.overlay.sizeGiB;
    const to = n.overlay.sizeGiB;
    if (to === undefined || to === from) return;
    (from !== undefined && to < from ? shrink : grow).push({ index, path: n.path, fromGiB: from, toGiB: to });
  });
  return { grow, shrink };
}

/** Check failures for overlays that would shrink (check has the previous inputs). Pure. */
export function shrinkFailures(olds: readonly Partial<QemuVmDisk>[], news: readonly QemuVmDisk[]): CheckFailure[] {
  return overlayResizes(olds, news).shrink.map((r) => ({
    property: `disks[${r.index}].overlay.sizeGiB`,
    reason: `would shrink ${r.path} from ${r.fromGiB} to ${r.toGiB} GiB: overlays are only grown (shrinking loses the data past the new end); keep ${r.fromGiB} or more, or give the disk a new path`,
  }));
}

/**
 * Check failures for an overlay whose definition changes while its path stays (check has the previous inputs): its
 * `overlay` dropped (kept as a plain disk), or its `backingFile`/`backingFormat` changed. Either is a replace, whose
 * delete removes the file by the old definition, so the guest's disk would be lost; refused unless the old disk
 * already had `keepOnDelete: true`. Disks are matched by path. Pure.
 */
export function overlayChangeFailures(olds: readonly Partial<QemuVmDisk>[], news: readonly QemuVmDisk[]): CheckFailure[] {
  const out: CheckFailure[] = [];
  news.forEach((n, i) => {
    const o = olds.find((d) => d.path === n.path);
    if (!o?.overlay || o.keepOnDelete === true) return;
    const before = o.overlay;
    const keepFirst = `set keepOnDelete: true on this disk first (an update in place), then change it`;
    if (!n.overlay) {
      out.push({ property: `disks[${i}].overlay`, reason: `dropping it would remove ${n.path} (an overlay of ${before.backingFile}, removed on replace): to keep it as a plain disk, ${keepFirst}` });
      return;
    }
    const fmt = n.overlay.backingFormat ?? before.backingFormat ?? "<format of the base>";
    if (n.overlay.backingFile !== before.backingFile)
      out.push({
        property: `disks[${i}].overlay.backingFile`,
        reason:
          `changing it from ${before.backingFile} would remove ${n.path} (the replace deletes the overlay of the old base): ${keepFirst}; ` +
          `if the base only moved, also rebase the overlay onto it (\`${formatArgv(rebaseArgv(n.path, n.overlay.backingFile, fmt))}\`, keeps its data)`,
      });
    else if (n.overlay.backingFormat !== before.backingFormat)
      out.push({
        property: `disks[${i}].overlay.backingFormat`,
        reason:
          `changing it would remove ${n.path} (the replace deletes the overlay): ${keepFirst}; ` +
          `record the format in the overlay too (\`${formatArgv(rebaseArgv(n.path, n.overlay.backingFile, fmt))}\`, keeps its data)`,
      });
  });
  return out;
}

/**
 * Ensure every overlay disk before QEMU starts (kept when it backs onto its base, grown offline, created when missing).
 * Returns the paths this call created. On failure, removes those and throws naming the disk.
 */
export async function ensureOverlays(host: Host, disks: readonly QemuVmDisk[]): Promise<string[]> {
  const created: string[] = [];
  for (const [i, d] of disks.entries()) {
    const spec = overlayOf(d);
    if (!spec) continue;
    try {
      if ((await ensureOverlay(host.runner, host.files, spec)).created) created.push(spec.path);
    } catch (e) {
      await removeCreated(host, created);
      throw new Error(`disks[${i}] (${d.path}): ${messageOf(e)}`, { cause: e });
    }
  }
  return created;
}

/** Undo: remove overlays this operation created (they hold nothing yet). */
export async function removeCreated(host: Host, paths: readonly string[]): Promise<void> {
  for (const p of paths) await host.files.remove(p).catch(() => undefined);
}

/**
 * On delete: remove the overlays not marked keepOnDelete, only while they still back onto their base. Returns why each
 * file left in place is not ours; throws (naming the disk) when qemu-img cannot tell, e.g. a QEMU holds the image.
 */
export async function removeOverlays(host: Host, disks: readonly Partial<QemuVmDisk>[]): Promise<string[]> {
  const left: string[] = [];
  for (const [i, d] of disks.entries()) {
    if (!d.path || d.keepOnDelete) continue;
    const spec = overlayOf({ path: d.path, overlay: d.overlay });
    if (!spec) continue;
    const r = await removeOverlay(host.runner, host.files, spec).catch((e: unknown) => {
      throw new Error(`disks[${i}] (${d.path}): not removed: ${messageOf(e)}`, { cause: e });
    });
    if (r.outcome === "not-ours") left.push(`disks[${i}]: left in place: ${r.reason}`);
  }
  return left;
}

/** Overlay paths that no longer exist (refresh: files only, no process). */
export async function missingOverlayPaths(host: Host, disks: readonly Partial<QemuVmDisk>[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of disks) if (d.overlay && d.path && !(await host.files.exists(d.path))) out.push(d.path);
  return out;
}

interface QueryBlockEntry {
  device: string;
  inserted?: { image?: { "virtual-size"?: number } };
}

/** Virtual size of drive `device` as QEMU sees it (`query-block`), or undefined. */
export function blockVirtualSize(entries: readonly QueryBlockEntry[], device: string): number | undefined {
  return entries.find((e) => e.device === device)?.inserted?.image?.["virtual-size"];
}

/**
 * Grow overlays of a running VM in place: QMP `block_resize` on the drive (`disk<i>`), then `query-block` to confirm.
 * Refuses a shrink against the size QEMU reports (the declared one may have been absent before).
 */
export async function growLive(host: Host, qmpSocket: string, grows: readonly OverlayResize[]): Promise<void> {
  if (grows.length === 0) return;
  await host.withQmp(qmpSocket, async (qmp) => {
    for (const g of grows) {
      const device = diskDriveId(g.index);
      const now = blockVirtualSize(await qmp.execute<QueryBlockEntry[]>("query-block"), device);
      if (now === undefined) throw new Error(`disks[${g.index}] (${g.path}): QEMU has no drive "${device}" (a VM started before drives had ids): replace the VM to resize it`);
      const shrink = shrinkProblem(g.path, now, g.toGiB);
      if (shrink) throw new Error(`disks[${g.index}]: ${shrink}`);
      if (now === g.toGiB * GIB) continue;
      await qmp.execute("block_resize", { device, size: g.toGiB * GIB }, { timeoutMs: 30_000 });
      const after = blockVirtualSize(await qmp.execute<QueryBlockEntry[]>("query-block"), device);
      if (after !== g.toGiB * GIB) throw new Error(`disks[${g.index}] (${g.path}): QEMU reports ${after} bytes after block_resize to ${g.toGiB} GiB`);
    }
  });
}
