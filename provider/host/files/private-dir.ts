import * as path from "node:path";
import type { HostFiles } from "./types";

/** One directory on the way to a state directory, as stat reports it. */
export interface DirEntryStat {
  path: string;
  uid: number;
  mode: number;
}

const STICKY = 0o1000;

/**
 * Why a state directory is unsafe for root to keep pidfiles, sockets and logs in, or undefined when it is safe.
 * `chain` is the real path's existing directories, from `/` down. Every one must be owned by root (or `euid`) and
 * not writable by group or others, except that a sticky world-writable directory (like /tmp) may sit above a
 * directory we own: nobody else can then rename or replace our entries. Pure; tested with tables.
 */
export function stateDirProblem(chain: readonly DirEntryStat[], euid: number): string | undefined {
  for (const [i, d] of chain.entries()) {
    const owner = d.uid === 0 || d.uid === euid;
    const writable = (d.mode & 0o022) !== 0;
    const last = i === chain.length - 1;
    if (!owner) return `${d.path} is owned by uid ${d.uid}, not root: that user could plant symlinks or a forged pidfile there`;
    if (writable && (last || (d.mode & STICKY) === 0))
      return `${d.path} is writable by ${d.mode & 0o002 ? "everyone" : "its group"} (mode ${(d.mode & 0o7777).toString(8)}): another user could plant symlinks or a forged pidfile there`;
  }
  return undefined;
}

/**
 * The existing directories on the way to `dir`, from `/` down, as stat reports them (a missing one is skipped; a
 * HostFiles without `stat` gives none). `dir` is walked as given: pass its real path to check what the kernel resolves.
 */
export async function existingDirChain(files: HostFiles, dir: string): Promise<DirEntryStat[]> {
  const chain: DirEntryStat[] = [];
  for (let p = dir; ; p = path.dirname(p)) {
    const st = await files.stat?.(p);
    if (st) chain.unshift({ path: p, uid: st.uid, mode: st.mode });
    if (p === "/" || p === ".") break;
  }
  return chain;
}

/**
 * Refuse a state directory another user could tamper with (QEMU, as root, follows symlinks for its pidfile and serial
 * log; a forged meta.json and pidfile would have us signal any process). The directory's real path and every existing
 * ancestor are checked.
 */
export async function assertPrivateStateDir(files: HostFiles, stateDir: string, euid = process.geteuid?.() ?? 0): Promise<void> {
  const problem = stateDirProblem(await existingDirChain(files, await files.realPath(stateDir)), euid);
  if (problem)
    throw new Error(
      `state directory ${stateDir} is not private: ${problem}. fix: use a directory owned by root with mode 0700 or 0755 ` +
        `(e.g. the default /var/lib/qemu-lab), or chown root and chmod go-w the directory named`,
    );
}
