import type { CommandRunner } from "../runner/types";
import type { HostFiles } from "../files/types";
import { createOverlay, GIB, imageInfo, resizeImage, type ImageInfo } from "./qemu-img";

/** A qcow2 overlay disk as declared: copy-on-write over `backingFile`, which is never written. */
export interface OverlaySpec {
  path: string;
  backingFile: string;
  /** Format of the base; absent: detected with `qemu-img info`. */
  backingFormat?: string;
  /** Virtual size; absent: the base image's. Only ever grown. */
  sizeGiB?: number;
}

/** What ensureOverlay did. */
export interface OverlayOutcome {
  /** True when this call created the file (undo removes only such files). */
  created: boolean;
  /** True when an existing overlay was grown to sizeGiB. */
  grown: boolean;
  virtualSize: number;
}

/** Why an existing file at an overlay's path cannot be used as it, or undefined when it can. Pure. */
export function overlayMismatch(spec: OverlaySpec, info: ImageInfo): string | undefined {
  if (info.format !== "qcow2" || info.backingFile !== spec.backingFile)
    return (
      `${spec.path} already exists and is ${info.format === "qcow2" ? "a qcow2 image" : `a ${info.format} image`} ` +
      `${info.backingFile ? `backing onto ${info.backingFile}` : "without a backing file"}, not an overlay of ${spec.backingFile}: ` +
      `move it away (it is not ours to overwrite) or point the disk's path elsewhere`
    );
  return undefined;
}

/** Refusal to shrink (data past the new end would be lost), or undefined. Pure. */
export function shrinkProblem(path: string, currentBytes: number, sizeGiB: number | undefined): string | undefined {
  if (sizeGiB === undefined || sizeGiB * GIB >= currentBytes) return undefined;
  return `${path} is ${formatGiB(currentBytes)} GiB and sizeGiB ${sizeGiB} would shrink it: overlays are only grown (shrinking loses the data past the new end); raise sizeGiB to at least ${Math.ceil(currentBytes / GIB)}`;
}

function formatGiB(bytes: number): string {
  return (bytes / GIB).toFixed(bytes % GIB === 0 ? 0 : 2);
}

/**
 * Ensure an overlay: an existing one that backs onto `backingFile` is kept as it is (a restart must never wipe
 * the guest's disk) and grown when `sizeGiB` is larger; one that backs onto something else is an error naming
 * both; a missing one is created (backing format detected when not given). Re-read after acting.
 */
export async function ensureOverlay(runner: CommandRunner, files: HostFiles, spec: OverlaySpec): Promise<OverlayOutcome> {
  if (await files.exists(spec.path)) {
    const info = await imageInfo(runner, spec.path);
    const mismatch = overlayMismatch(spec, info);
    if (mismatch) throw new Error(mismatch);
    const shrink = shrinkProblem(spec.path, info.virtualSize, spec.sizeGiB);
    if (shrink) throw new Error(shrink);
    if (spec.sizeGiB === undefined || spec.sizeGiB * GIB === info.virtualSize) return { created: false, grown: false, virtualSize: info.virtualSize };
    await resizeImage(runner, spec.path, spec.sizeGiB);
    const after = await imageInfo(runner, spec.path);
    if (after.virtualSize !== spec.sizeGiB * GIB) throw new Error(`${spec.path} is ${after.virtualSize} bytes after qemu-img resize to ${spec.sizeGiB}G`);
    return { created: false, grown: true, virtualSize: after.virtualSize };
  }
  const base = await imageInfo(runner, spec.backingFile);
  const backingFormat = spec.backingFormat ?? base.format;
  // qemu-img would accept a smaller overlay, hiding the end of the base from the guest: refuse instead.
  if (spec.sizeGiB !== undefined && spec.sizeGiB * GIB < base.virtualSize)
    throw new Error(`sizeGiB ${spec.sizeGiB} is smaller than the base image ${spec.backingFile} (${formatGiB(base.virtualSize)} GiB): give at least ${Math.ceil(base.virtualSize / GIB)} or leave sizeGiB out`);
  await createOverlay(runner, { path: spec.path, backingFile: spec.backingFile, backingFormat, sizeGiB: spec.sizeGiB });
  const info = await imageInfo(runner, spec.path);
  const mismatch = overlayMismatch(spec, info);
  if (mismatch) throw new Error(`qemu-img created ${spec.path} but it does not read back as expected: ${mismatch}`);
  return { created: true, grown: false, virtualSize: info.virtualSize };
}

/**
 * Remove an overlay we manage: only when the file is still a qcow2 backing onto `backingFile` (never a plain
 * image someone put at that path since). A missing file is success.
 */
export async function removeOverlay(runner: CommandRunner, files: HostFiles, spec: OverlaySpec): Promise<"removed" | "absent" | "not-ours"> {
  if (!(await files.exists(spec.path))) return "absent";
  const info = await imageInfo(runner, spec.path).catch(() => undefined);
  if (!info || overlayMismatch(spec, info)) return "not-ours";
  await files.remove(spec.path);
  return "removed";
}
