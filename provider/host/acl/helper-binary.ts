import type { HostFiles } from "../files/types";

/** Where distributions install qemu-bridge-helper (Debian/Ubuntu first, then Fedora/Arch/source builds). */
export const HELPER_CANDIDATES = [
  "/usr/lib/qemu/qemu-bridge-helper",
  "/usr/libexec/qemu-bridge-helper",
  "/usr/lib/qemu-bridge-helper",
  "/usr/local/libexec/qemu-bridge-helper",
] as const;

const S_ISUID = 0o4000;

/** What we found about the helper binary. */
export type HelperStatus =
  | { state: "missing" }
  | { state: "unknown" }
  | { state: "ok" | "not-setuid"; path: string; mode: number; uid: number };

/** Find the helper and read its mode (host access: call from create/read, never check). */
export async function inspectHelper(files: HostFiles): Promise<HelperStatus> {
  if (!files.stat) return { state: "unknown" };
  for (const p of HELPER_CANDIDATES) {
    const st = await files.stat(p);
    if (!st) continue;
    const setuidRoot = st.uid === 0 && (st.mode & S_ISUID) !== 0;
    return { state: setuidRoot ? "ok" : "not-setuid", path: p, mode: st.mode & 0o7777, uid: st.uid };
  }
  return { state: "missing" };
}

/** A warning for a helper that unprivileged users cannot use, or undefined when it is fine. */
export function helperWarning(s: HelperStatus): string | undefined {
  if (s.state === "missing")
    return `qemu-bridge-helper not found (looked in ${HELPER_CANDIDATES.join(", ")}): install QEMU's bridge helper (Debian: qemu-system-common) or -netdev bridge cannot work`;
  if (s.state === "not-setuid")
    return `${s.path} is not setuid root (mode ${s.mode.toString(8).padStart(4, "0")}, owner uid ${s.uid}): only root can use -netdev bridge; for other users run \`chown root ${s.path} && chmod u+s ${s.path}\``;
  return undefined;
}
