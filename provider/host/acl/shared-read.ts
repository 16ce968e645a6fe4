import type { HostFiles } from "../files/types";

const inflight = new WeakMap<HostFiles, Map<string, Promise<string | undefined>>>();

/**
 * readText shared by concurrent callers: while one read of a path is in flight, others await the
 * same promise (a refresh of many entries in one bridge.conf reads it a few times, not once per
 * entry). Nothing is kept after it settles, so a read that starts later always sees the file anew.
 */
export function sharedReadText(files: HostFiles, p: string): Promise<string | undefined> {
  let byPath = inflight.get(files);
  if (!byPath) inflight.set(files, (byPath = new Map()));
  const pending = byPath.get(p);
  if (pending) return pending;
  const map = byPath;
  const read: Promise<string | undefined> = files.readText(p).finally(() => {
    if (map.get(p) === read) map.delete(p);
  });
  map.set(p, read);
  return read;
}

/**
 * After a write: reads already in flight may predate it, so later callers must not join them. All of them are dropped,
 * not only `p`'s: readers may name the written file by another path (a symlink, `./` in it).
 */
export function forgetSharedReads(files: HostFiles): void {
  inflight.get(files)?.clear();
}
