import { createHash } from "node:crypto";
import * as path from "node:path";
import type { Host } from "../host";
import { checkCloudConfig } from "./cloud-config-check";

/** The data of a NoCloud seed. `userData` is a secret: it goes only into the seed file, never into argv, logs or errors. */
export interface CloudInitData {
  userData: string;
  metaData?: string;
  networkConfig?: string;
}

/** The volume label cloud-init's NoCloud datasource looks for. */
export const SEED_VOLUME_LABEL = "cidata";

/** The ISO builder (Debian package xorriso). */
export const XORRISO = "xorriso";

/** How long building a seed may take (a few KiB into an ISO). */
export const XORRISO_TIMEOUT_MS = 30_000;

/**
 * The default meta-data: an instance-id that changes whenever the data change (cloud-init runs its per-instance
 * modules again for a new id) and the VM name as hostname. The hash is 12 hex digits of a SHA-256: it identifies a
 * version of the data without revealing it. Pure.
 */
export function defaultMetaData(vmName: string, data: CloudInitData): string {
  const h = createHash("sha256")
    .update(JSON.stringify([data.userData, data.networkConfig ?? null]))
    .digest("hex")
    .slice(0, 12);
  return `instance-id: ${vmName}-${h}\nlocal-hostname: ${vmName}\n`;
}

/** The seed's files by name: `user-data`, `meta-data` (given or default), `network-config` when given. Pure. */
export function renderSeedFiles(vmName: string, data: CloudInitData): Record<string, string> {
  const files: Record<string, string> = { "user-data": data.userData, "meta-data": data.metaData ?? defaultMetaData(vmName, data) };
  if (data.networkConfig !== undefined) files["network-config"] = data.networkConfig;
  return files;
}

/**
 * `xorriso -as mkisofs -o <iso> -V cidata -J -r <dir>`: an ISO9660 image (Joliet + Rock Ridge, so the names stay
 * `user-data`, not `USER_DAT`) holding the files of `dir` at its root. xorriso rather than genisoimage: maintained,
 * installed here, and the same mkisofs options. Pure.
 */
export function xorrisoSeedArgv(isoPath: string, sourceDir: string): string[] {
  return [XORRISO, "-as", "mkisofs", "-quiet", "-o", isoPath, "-V", SEED_VOLUME_LABEL, "-J", "-r", sourceDir];
}

/**
 * Build the seed ISO at `isoPath` (mode 0600) from files staged in a 0700 directory next to it (mode 0600, removed
 * afterwards, so the data lives only in the ISO). The directory holding `isoPath` must be private (0700).
 */
export async function buildSeedIso(host: Host, isoPath: string, vmName: string, data: CloudInitData): Promise<void> {
  const staging = path.join(path.dirname(isoPath), "cidata.staging");
  await host.files.remove(staging);
  await host.files.ensureDir(staging, 0o700);
  try {
    for (const [name, text] of Object.entries(renderSeedFiles(vmName, data))) await host.files.writeTextAtomic(path.join(staging, name), text, { mode: 0o600 });
    await checkCloudConfig(host, data.userData, path.join(staging, "user-data"));
    await host.files.remove(isoPath);
    await host.runner.run(xorrisoSeedArgv(isoPath, staging), { timeoutMs: XORRISO_TIMEOUT_MS });
    // xorriso creates the file with the umask's mode; the data are a secret.
    await host.runner.run(["chmod", "0600", isoPath], { timeoutMs: 5000 });
  } finally {
    await host.files.remove(staging).catch(() => undefined);
  }
}
