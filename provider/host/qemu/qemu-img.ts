import { z } from "zod";
import type { CommandRunner } from "../runner/types";

/** The image tool (qemu-utils). */
export const QEMU_IMG = "qemu-img";

/** How long one qemu-img command may take: create/info/resize of a qcow2 touch only metadata. */
export const QEMU_IMG_TIMEOUT_MS = 60_000;

/** Bytes in a GiB: qemu-img's `G` suffix is binary (1024³). */
export const GIB = 1024 ** 3;

/** A qcow2 overlay to create: copy-on-write over `backingFile`, which is only ever read. */
export interface OverlayCreateSpec {
  path: string;
  backingFile: string;
  backingFormat: string;
  /** Virtual size; absent: the base image's. */
  sizeGiB?: number;
}

/** `qemu-img create -f qcow2 -b <base> -F <fmt> <path> [<n>G]`. Pure. */
export function qemuImgCreateOverlayArgv(s: OverlayCreateSpec): string[] {
  return [QEMU_IMG, "create", "-f", "qcow2", "-b", s.backingFile, "-F", s.backingFormat, s.path, ...(s.sizeGiB === undefined ? [] : [`${s.sizeGiB}G`])];
}

/**
 * `qemu-img info --output=json <path>`. `forceShare` (`-U`) reads an image a running QEMU holds locked
 * (the answer may be slightly stale). Pure.
 */
export function qemuImgInfoArgv(path: string, opts: { forceShare?: boolean } = {}): string[] {
  return [QEMU_IMG, "info", "--output=json", ...(opts.forceShare ? ["-U"] : []), path];
}

/** `qemu-img resize -f qcow2 <path> <n>G` (grow only: shrinking would need --shrink, which we never pass). Pure. */
export function qemuImgResizeArgv(path: string, sizeGiB: number): string[] {
  return [QEMU_IMG, "resize", "-f", "qcow2", path, `${sizeGiB}G`];
}

/** What we read from `qemu-img info --output=json` (other fields are ignored). */
function imageInfoSchema() {
  return z
    .object({
      filename: z.string(),
      format: z.string(),
      "virtual-size": z.number().int().nonnegative(),
      "backing-filename": z.string().optional(),
      "full-backing-filename": z.string().optional(),
      "backing-filename-format": z.string().optional(),
    })
    .passthrough();
}

/** An image as qemu-img describes it. */
export interface ImageInfo {
  format: string;
  virtualSize: number;
  /** The backing file, resolved to an absolute path as qemu-img resolves it (absent: no backing file). */
  backingFile?: string;
  backingFormat?: string;
}

/** Parse `qemu-img info --output=json`; throws naming the image when the output is not what qemu-img prints. Pure. */
export function parseQemuImgInfo(json: string, path: string): ImageInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`qemu-img info ${path}: output is not JSON: ${json.slice(0, 200)}`);
  }
  const r = imageInfoSchema().safeParse(raw);
  if (!r.success) throw new Error(`qemu-img info ${path}: unexpected output (${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")})`);
  const d = r.data;
  return {
    format: d.format,
    virtualSize: d["virtual-size"],
    backingFile: d["full-backing-filename"] ?? d["backing-filename"],
    backingFormat: d["backing-filename-format"],
  };
}

/** Describe an image (read only; `forceShare` for one a running QEMU holds). */
export async function imageInfo(runner: CommandRunner, path: string, opts: { forceShare?: boolean } = {}): Promise<ImageInfo> {
  const r = await runner.run(qemuImgInfoArgv(path, opts), { timeoutMs: QEMU_IMG_TIMEOUT_MS });
  return parseQemuImgInfo(r.stdout, path);
}

/** Create a qcow2 overlay (fails when qemu-img does, e.g. the base is missing). */
export async function createOverlay(runner: CommandRunner, s: OverlayCreateSpec): Promise<void> {
  await runner.run(qemuImgCreateOverlayArgv(s), { timeoutMs: QEMU_IMG_TIMEOUT_MS });
}

/** Grow a qcow2 image no QEMU has open. */
export async function resizeImage(runner: CommandRunner, path: string, sizeGiB: number): Promise<void> {
  await runner.run(qemuImgResizeArgv(path, sizeGiB), { timeoutMs: QEMU_IMG_TIMEOUT_MS });
}
