/**
 * File operations on the host a resource lives on. Local today; an SSH host implements the same
 * interface later. Paths are absolute host paths.
 */
export interface HostFiles {
  /**
   * The file's text, or undefined when it does not exist. `noFollow`: refuse a symlink at `path` (O_NOFOLLOW), for
   * files in a state directory that a forged link must not redirect.
   */
  readText(path: string, options?: { noFollow?: boolean }): Promise<string | undefined>;
  /**
   * Replace the file atomically (temp file in the same directory + fsync + rename), keeping its mode when it exists.
   * By default a symlink at `path` is replaced, never written through (state files). `shared`: a file others own
   * too (bridge.conf): written through a symlink to its target, keeping the target's owner and mode.
   */
  writeTextAtomic(path: string, text: string, options?: { mode?: number; shared?: boolean }): Promise<void>;
  /** The path with every symlink resolved (as far as it exists): one name for one file, e.g. for its lock. */
  realPath(path: string): Promise<string>;
  /** mkdir -p. */
  ensureDir(path: string, mode?: number): Promise<void>;
  /** rm -rf; already gone is success. */
  remove(path: string): Promise<void>;
  /** Mode bits (including setuid), owner and change time of a path, following symlinks; undefined when it does not exist. */
  stat?(path: string): Promise<{ mode: number; uid: number; ctimeMs?: number } | undefined>;
  /** True when the path exists. */
  exists(path: string): Promise<boolean>;
  /** Run fn holding an exclusive lock named by lockPath, across calls in this process and across processes. */
  withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T>;
  /** The names in a directory (empty when it is missing). */
  listDir?(path: string): Promise<string[]>;
  /** True when path is a directory with no entries (false when missing or not a directory). */
  isEmptyDir?(path: string): Promise<boolean>;
}
