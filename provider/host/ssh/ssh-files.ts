import type { HostFiles } from "../files/types";
import { CommandError } from "../runner/command-error";
import type { CommandResult, CommandRunner, RunOptions } from "../runner/types";
import type { RemoteLocks } from "./remote-locks";

/**
 * The scripts HostFiles runs on the remote machine: `sh -c SCRIPT sh ARGS…`, paths only ever as positional arguments
 * (quoted by the runner), never spliced into the script. Each method is one exec channel. GNU coreutils is assumed.
 */
const SCRIPTS = {
  // O_NOFOLLOW through dd's iflag, as LocalFiles opens with O_NOFOLLOW.
  read: 'if [ "$2" = 1 ]; then exec dd if="$1" iflag=nofollow status=none; fi; exec cat -- "$1"',
  // Temp file beside the target, mode kept (or given), fsync, rename; `shared`: the symlink's target, its owner kept too.
  write: [
    "set -eu",
    'p=$1 mode=$2 shared=$3',
    'if [ "$shared" = 1 ]; then p=$(realpath -m -- "$p"); fi',
    'd=$(dirname -- "$p")',
    'mkdir -p -- "$d"',
    'if [ -z "$mode" ]; then mode=$(stat -L -c %a -- "$p" 2>/dev/null) || mode=644; fi',
    'tmp=$(mktemp -- "$d/.$(basename -- "$p").XXXXXXXXXX.tmp")',
    "trap 'rm -f -- \"$tmp\"' EXIT",
    'cat > "$tmp"',
    'chmod -- "$mode" "$tmp"',
    // As write-file-atomic: the owner is kept when we may (root); otherwise the new file is ours.
    'if [ "$shared" = 1 ] && [ -e "$p" ]; then chown --reference="$p" -- "$tmp" 2>/dev/null || [ "$(id -u)" != 0 ]; fi',
    'sync -- "$tmp"',
    'mv -fT -- "$tmp" "$p"',
    "trap - EXIT",
  ].join("\n"),
  realPath: 'exec realpath -m -- "$1"',
  // Parents 0755 (umask 022, as LocalFiles under the usual umask); only the leaf gets the mode. Anything already there is fine.
  ensureDir: 'umask 022; mkdir -p -- "$(dirname -- "$1")"; mkdir -m "$2" -- "$1" 2>/dev/null || [ -e "$1" ] || [ -L "$1" ] || mkdir -m "$2" -- "$1"',
  remove: 'exec rm -rf -- "$1"',
  stat: "exec stat -L -c '%f %u %.9Z' -- \"$1\"",
  exists: 'test -e "$1"',
  listDir: "find -H \"$1\" -mindepth 1 -maxdepth 1 -printf '%f\\0' 2>/dev/null; exit 0",
  isEmptyDir: '[ -d "$1" ] || exit 1; o=$(ls -A -- "$1") || exit 1; [ -z "$o" ]',
} as const;

/** The errno a coreutils message (LC_ALL=C) reports, like node's error codes; undefined when none is recognised. Pure. */
export function errnoOf(stderr: string): string | undefined {
  const table: Array<[RegExp, string]> = [
    [/No such file or directory/, "ENOENT"],
    [/Permission denied|Operation not permitted/, "EACCES"],
    [/Not a directory/, "ENOTDIR"],
    [/Is a directory|cannot overwrite directory/, "EISDIR"],
    [/File exists/, "EEXIST"],
    [/Too many levels of symbolic links/, "ELOOP"],
    [/Read-only file system/, "EROFS"],
    [/No space left on device/, "ENOSPC"],
  ];
  return table.find(([re]) => re.test(stderr))?.[1];
}

/**
 * `stat -c '%f %u %.9Z'` output as LocalFiles.stat returns it: full mode (type bits included), uid, and ctime in ms
 * computed as node computes `ctimeMs` (sec × 1000 + nsec / 1e6), so values recorded by either compare equal. Pure.
 */
export function parseStat(line: string): { mode: number; uid: number; ctimeMs: number } {
  const m = /^([0-9a-f]+) (\d+) (\d+)\.(\d{9})\n?$/.exec(line);
  if (!m) throw new Error(`unexpected stat output: ${JSON.stringify(line)}`);
  return { mode: parseInt(m[1]!, 16), uid: Number(m[2]), ctimeMs: Number(m[3]) * 1e3 + Number(m[4]) / 1e6 };
}

/** An Error with a node-style errno `code`, naming the machine, the operation and the path. */
export class RemoteFileError extends Error {
  constructor(
    readonly where: string,
    readonly path: string,
    message: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = "RemoteFileError";
  }
}

/**
 * HostFiles on a remote machine, with LocalFiles' semantics (see its TSDoc and code): each method is one command over
 * the machine's SSH connection; locks are held there (see {@link RemoteLocks}) and exclude qemu-lab processes running
 * on that machine itself.
 */
export class SshFiles implements HostFiles {
  constructor(
    private readonly runner: CommandRunner,
    private readonly locks: RemoteLocks,
    private readonly where: string,
  ) {}

  async readText(p: string, options: { noFollow?: boolean } = {}): Promise<string | undefined> {
    try {
      return (await this.sh("read", p, [options.noFollow ? "1" : "0"])).stdout;
    } catch (e) {
      if (e instanceof RemoteFileError && e.code === "ENOENT") return undefined;
      if (e instanceof RemoteFileError && e.code === "ELOOP")
        throw new Error(`on ${this.where}: ${p} is a symbolic link; refusing to follow it (a state file must be a plain file)`, { cause: e });
      throw e;
    }
  }

  async writeTextAtomic(p: string, text: string, options: { mode?: number; shared?: boolean } = {}): Promise<void> {
    const mode = options.mode === undefined ? "" : (options.mode & 0o7777).toString(8);
    await this.sh("write", p, [mode, options.shared ? "1" : "0"], { input: text });
  }

  async realPath(p: string): Promise<string> {
    return (await this.sh("realPath", p, [])).stdout.replace(/\n$/, "");
  }

  async ensureDir(p: string, mode = 0o755): Promise<void> {
    await this.sh("ensureDir", p, [(mode & ~0o022 & 0o7777).toString(8)]);
  }

  async remove(p: string): Promise<void> {
    await this.sh("remove", p, []);
  }

  async stat(p: string): Promise<{ mode: number; uid: number; ctimeMs: number } | undefined> {
    try {
      return parseStat((await this.sh("stat", p, [])).stdout);
    } catch (e) {
      if (e instanceof RemoteFileError && e.code === "ENOENT") return undefined;
      throw e;
    }
  }

  async exists(p: string): Promise<boolean> {
    return (await this.sh("exists", p, [], { okExitCodes: [0, 1] })).exitCode === 0;
  }

  async listDir(p: string): Promise<string[]> {
    return (await this.sh("listDir", p, [])).stdout.split("\0").filter((n) => n !== "");
  }

  async isEmptyDir(p: string): Promise<boolean> {
    return (await this.sh("isEmptyDir", p, [], { okExitCodes: [0, 1] })).exitCode === 0;
  }

  withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.withLock(lockPath, fn);
  }

  /** Run one of {@link SCRIPTS} on path `p`; a failure names the machine, operation and path, with an errno code. */
  private async sh(op: keyof typeof SCRIPTS, p: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
    try {
      return await this.runner.run(["sh", "-c", SCRIPTS[op], "sh", p, ...args], { ...options, env: { LC_ALL: "C" } });
    } catch (e) {
      if (!(e instanceof CommandError) || e.timedOut) throw e;
      const reason = e.stderr.trim() || `exit code ${e.exitCode}`;
      throw new RemoteFileError(this.where, p, `on ${this.where}: ${op} ${p} failed: ${reason}`, errnoOf(e.stderr), e);
    }
  }
}
