import type { CommandResult } from "./types";

/** Known failure kinds, each with a fix a person can act on. */
export type FailureKind =
  | "not-found"
  | "exists"
  | "permission"
  | "acl-denied"
  | "port-in-use"
  | "busy"
  | "timeout"
  | "missing-command"
  | "locked"
  | "unknown";

/** Fixes for known failures, named in error messages. */
const FIXES: Partial<Record<FailureKind, string>> = {
  permission: "run as root (or with CAP_NET_ADMIN): pulumi-qemu-lab changes host networking",
  "acl-denied":
    "add a BridgeAcl resource allowing this bridge (an `allow <bridge>` line in the bridge.conf qemu-bridge-helper reads)",
  "port-in-use": "choose another hostPort, or stop whatever listens on it (see `ss -ltnp`)",
  exists: "the object already exists: set `adopt: true` to manage it, or choose another name",
  "missing-command": "install the package that provides it (iproute2, qemu-system-x86, qemu-utils, xorriso)",
  timeout: "the command did not finish in time; check the host for a hung process or raise the timeout",
  locked: "another QEMU uses the image (it holds the image's lock): stop that VM first (its qemu-system command line names the image)",
};

/** Classify a failed command by its stderr; pure, tested with tables. */
export function classifyFailure(stderr: string, exitCode: number, timedOut = false): FailureKind {
  if (timedOut) return "timeout";
  const s = stderr.toLowerCase();
  // qemu-img/QEMU on an image another QEMU holds: `Failed to get shared "write" lock`.
  if (/failed to get (shared )?".*" lock|is another process using the image/.test(s)) return "locked";
  // `ip netns exec NS cmd` when cmd is not installed (exit 255): not "no such object".
  if (/exec of ".*" failed: no such file or directory/.test(s)) return "missing-command";
  if (exitCode === 127 || /enoent|command not found|no such file or directory.*exec/.test(s)) {
    if (/spawn|command not found|exec/.test(s)) return "missing-command";
  }
  if (s.includes("access denied by acl file")) return "acl-denied";
  if (/operation not permitted|permission denied|must be root/.test(s)) return "permission";
  if (/could not set up host forwarding rule|address already in use|eaddrinuse/.test(s)) return "port-in-use";
  if (/file exists|already exists|exists already/.test(s)) return "exists";
  if (/cannot find device|does not exist|no such device|no such file or directory|cannot find/.test(s))
    return "not-found";
  if (/device or resource busy/.test(s)) return "busy";
  return "unknown";
}

/** The fix for a known failure kind, if there is one. */
export function fixFor(kind: FailureKind): string | undefined {
  return FIXES[kind];
}

/**
 * A host command that failed: carries argv, exit code, stdout, stderr, the classified kind and
 * its fix, like execa's errors, so every message says what was run, on what, and why it failed.
 */
export class CommandError extends Error {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly kind: FailureKind;
  readonly fix?: string;
  /** The machine it ran on, when not this one (e.g. `hv2 (10.0.0.2)`): messages start with `on <where>: `. */
  readonly where?: string;

  constructor(result: Omit<CommandResult, "durationMs"> & { timedOut?: boolean; cause?: unknown; where?: string }) {
    const timedOut = result.timedOut ?? false;
    const kind = classifyFailure(result.stderr, result.exitCode, timedOut);
    const fix = fixFor(kind);
    const what = timedOut ? "timed out" : `failed with exit code ${result.exitCode}`;
    const stderr = result.stderr.trim();
    super(
      (result.where === undefined ? "" : `on ${result.where}: `) +
        `command ${what}: ${formatArgv(result.argv)}` +
        (stderr ? `\n  stderr: ${stderr.split("\n").join("\n          ")}` : "") +
        (fix ? `\n  fix: ${fix}` : ""),
      result.cause === undefined ? undefined : { cause: result.cause },
    );
    this.name = "CommandError";
    this.argv = result.argv;
    this.exitCode = result.exitCode;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
    this.timedOut = timedOut;
    this.kind = kind;
    this.fix = fix;
    this.where = result.where;
  }
}

/** Render argv for messages, quoting what a shell would split. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Run a teardown command; the object being already gone ("not-found") is success. */
export async function unlessGone(command: Promise<unknown>): Promise<void> {
  try {
    await command;
  } catch (e) {
    if (!isFailure(e, "not-found")) throw e;
  }
}

/** True when `e` is a CommandError of one of the given kinds. */
export function isFailure(e: unknown, ...kinds: FailureKind[]): e is CommandError {
  return e instanceof CommandError && (kinds.length === 0 || kinds.includes(e.kind));
}
