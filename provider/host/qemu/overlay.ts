import type { CommandRunner } from "../runner/types";
import type { HostFiles } from "../files/types";
import { createOverlay, GIB, imageInfo, QEMU_IMG, resizeImage, type ImageInfo } from "./qemu-img";
import { formatArgv, isFailure } from "../runner/command-error";
import { messageOf } from "../runner/message-of";

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

/** `qemu-img rebase -u -b <base> -F <fmt> <path>`: point an overlay at a moved base (metadata only, data kept). Pure. */
export function rebaseArgv(path: string, backingFile: string, backingFormat: string): string[] {
  return [QEMU_IMG, "rebase", "-u", "-b", backingFile, "-F", backingFormat, path];
}

/**
 * Why an existing file at an overlay's path cannot be used as it, or undefined when it can: it must be a qcow2 backing
 * onto `backingFile`, and (when `backingFormat` is declared) record that format. A qcow2 over another base may be
 * this overlay over a base that moved: the message says how to rebase it. Pure.
 */
export function overlayMismatch(spec: OverlaySpec, info: ImageInfo): string | undefined {
  const fmt = spec.backingFormat ?? info.backingFormat ?? "<format of the base>";
  const rebase = formatArgv(rebaseArgv(spec.path, spec.backingFile, fmt));
  if (info.format === "qcow2" && info.backingFile !== undefined && info.backingFile !== spec.backingFile)
    return (
      `${spec.path} already exists and is a qcow2 image backing onto ${info.backingFile}, not an overlay of ${spec.backingFile}: ` +
      `if it is this disk and its base moved to ${spec.backingFile}, rebase it there (\`${rebase}\`, keeps its data); ` +
      `otherwise move it away (it is not ours to overwrite) or point the disk's path elsewhere`
    );
  if (info.format !== "qcow2" || info.backingFile === undefined)
    return (
      `${spec.path} already exists and is ${info.format === "qcow2" ? "a qcow2 image" : `a ${info.format} image`} without a backing file, ` +
      `not an overlay of ${spec.backingFile}: move it away (it is not ours to overwrite) or point the disk's path elsewhere`
    );
  if (spec.backingFormat !== undefined && info.backingFormat !== spec.backingFormat)
    return (
      `${spec.path} backs onto ${spec.backingFile} ${info.backingFormat ? `as ${info.backingFormat}` : "without a recorded format"}, not as the declared ` +
      `backingFormat ${spec.backingFormat}: correct backingFormat, or record the format in the overlay (\`${rebase}\`, keeps its data)`
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
 * `qemu-img info` of an existing overlay; a failure (a QEMU holding its lock, a timeout, qemu-img missing, an image it
 * cannot read) is an error naming the path: never taken for "not an overlay".
 */
async function overlayInfo(runner: CommandRunner, path: string): Promise<ImageInfo> {
  try {
    return await imageInfo(runner, path);
  } catch (e) {
    throw new Error(`cannot read the overlay ${path}${isFailure(e, "locked") ? " (another QEMU has it open)" : ""}: ${messageOf(e)}`, { cause: e });
  }
}

/**
 * Ensure an overlay: an existing one that backs onto `backingFile` is kept as it is (a restart must never wipe
 * the guest's disk) and grown when `sizeGiB` is larger; one that backs onto something else is an error naming
 * both; a missing one is created (backing format detected when not given). Re-read after acting.
 */
export async function ensureOverlay(runner: CommandRunner, files: HostFiles, spec: OverlaySpec): Promise<OverlayOutcome> {
  if (await files.exists(spec.path)) {
    const info = await overlayInfo(runner, spec.path);
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
  const mismatch = overlayMismatch({ ...spec, backingFormat }, info);
  if (mismatch) throw new Error(`qemu-img created ${spec.path} but it does not read back as expected: ${mismatch}`);
  return { created: true, grown: false, virtualSize: info.virtualSize };
}

/** What removeOverlay did; `not-ours` carries why the file was left in place. */
export type RemoveOutcome = { outcome: "removed" | "absent" } | { outcome: "not-ours"; reason: string };

/**
 * Remove an overlay we manage: only when the file is still a qcow2 backing onto `backingFile` (never a plain
 * image someone put at that path since); such a file is left in place and reported as `not-ours` with the reason. A
 * missing file is success. When qemu-img cannot tell (a QEMU holds the image, a timeout, qemu-img missing) it throws:
 * deleting must neither remove a disk in use nor silently leave one behind.
 */
export async function removeOverlay(runner: CommandRunner, files: HostFiles, spec: OverlaySpec): Promise<RemoveOutcome> {
  if (!(await files.exists(spec.path))) return { outcome: "absent" };
  const mismatch = overlayMismatch(spec, await overlayInfo(runner, spec.path));
  if (mismatch) return { outcome: "not-ours", reason: mismatch };
  await files.remove(spec.path);
  return { outcome: "removed" };
}
