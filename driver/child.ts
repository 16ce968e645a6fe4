/**
 * Child-process helpers: line-wise output, a clean environment, and killing by PID (also on driver exit).
 */
import { ChildProcess, spawn, SpawnOptions } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

/** Children still alive, so an exiting driver process can kill them (by PID) instead of orphaning them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Why: a crashed test runner must not leave provider/program processes behind.
  process.on("exit", () => {
    for (const child of live) {
      try {
        if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  });
}

/** Spawns a process, tracks it for exit-time cleanup and forwards its output line by line. */
export function spawnTracked(
  command: string,
  args: string[],
  options: SpawnOptions,
  onStdoutLine?: (line: string) => void,
  onStderrLine?: (line: string) => void,
): ChildProcess {
  installExitHook();
  // Why detached (its own process group): a terminal's Ctrl-C goes to the whole foreground group, and the program and
  // provider must outlive the first one so in-flight steps finish and are saved; they are killed by PID instead.
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  live.add(child);
  child.once("exit", () => live.delete(child));
  child.once("error", () => live.delete(child));
  if (child.stdout) forwardLines(child.stdout, onStdoutLine);
  if (child.stderr) forwardLines(child.stderr, onStderrLine);
  return child;
}

function forwardLines(stream: NodeJS.ReadableStream, onLine?: (line: string) => void): void {
  // readline drains the pipe even without a listener (a full pipe would block the child) and splits \n and \r\n.
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => onLine?.(line));
}

/** Resolves with the exit code (or -1 for a signal) once the child has exited and its pipes are drained. */
export function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode ?? -1);
      return;
    }
    child.once("close", (code) => resolve(code ?? -1));
    child.once("error", () => resolve(-1));
  });
}

/** Sends SIGTERM to the child's PID, escalates to SIGKILL after `graceMs`, and waits for the exit. */
export async function killAndWait(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = waitForExit(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The environment for a Node child: the caller's, minus the jest-only `--experimental-vm-modules` flag (it makes
 * every child print an ExperimentalWarning), plus `extra`.
 */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (env.NODE_OPTIONS) {
    const rest = env.NODE_OPTIONS.split(/\s+/).filter((o) => o && o !== "--experimental-vm-modules");
    if (rest.length > 0) env.NODE_OPTIONS = rest.join(" ");
    else delete env.NODE_OPTIONS;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * The folder of the `@pulumi/pulumi` package a program at `fromDir` would load (so its `cmd/run` and
 * `cmd/dynamic-provider` match the program's SDK), falling back to the driver's own copy.
 */
export function resolvePulumiDir(fromDir?: string): string {
  const paths = fromDir ? [fromDir, __dirname] : [__dirname];
  return path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths }));
}
