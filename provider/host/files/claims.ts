import * as path from "node:path";
import type { HostFiles } from "./types";

/**
 * Runtime claims (tmpfs, like /run/netns: gone at reboot with what they claim). A claim is written before a create
 * acts on something that cannot carry a label of its own, so a create killed part-way can be told from a stranger.
 */
export const RUN_DIR = "/run/qemu-lab";

/** Write a claim (JSON, 0600, its directory 0700, atomically). */
export async function writeClaim(files: HostFiles, file: string, claim: unknown): Promise<void> {
  await files.ensureDir(path.dirname(file), 0o700);
  await files.writeTextAtomic(file, JSON.stringify(claim), { mode: 0o600 });
}

/** A claim as written, or undefined (none, unreadable, a symlink, or not JSON). */
export async function readClaim<T>(files: HostFiles, file: string): Promise<T | undefined> {
  const text = await files.readText(file, { noFollow: true }).catch(() => undefined);
  try {
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Drop a claim; already gone is fine. */
export function dropClaim(files: HostFiles, file: string): Promise<void> {
  return files.remove(file);
}
