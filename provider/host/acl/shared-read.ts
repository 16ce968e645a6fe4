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

/** After writing p: reads already in flight may predate the write, so later callers must not join them. */
export function forgetSharedRead(files: HostFiles, p: string): void {
  inflight.get(files)?.delete(p);
}
