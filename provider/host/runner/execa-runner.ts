import { CommandError } from "./command-error";
import type { CommandResult, CommandRunner, RunOptions } from "./types";

type Execa = typeof import("execa", { with: { "resolution-mode": "import" } }).execa;
let execaPromise: Promise<Execa> | undefined;

/** execa 9+ is ESM-only: load it with import() at first use (a static import breaks CJS and serialization). */
function loadExeca(): Promise<Execa> {
  execaPromise ??= import("execa").then((m) => m.execa);
  return execaPromise;
}

/**
 * Where commands are looked up (execa resolves argv[0] on the child's PATH) and the PATH they run with: the system's
 * directories only. Why: the provider runs as root from a Pulumi program, whose inherited PATH may start with
 * `node_modules/.bin` or a user's directory.
 */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Runs commands on this machine with execa: argv arrays, no shell, a timeout on every command. */
export class ExecaRunner implements CommandRunner {
  constructor(private readonly defaults: { timeoutMs: number } = { timeoutMs: 30_000 }) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (argv.length === 0) throw new Error("ExecaRunner.run: empty argv");
    const execa = await loadExeca();
    const started = Date.now();
    const r = await execa(argv[0]!, argv.slice(1), {
      input: options.input,
      timeout: options.timeoutMs ?? this.defaults.timeoutMs,
      env: { ...process.env, PATH: SYSTEM_PATH, ...options.env },
      reject: false,
      stripFinalNewline: false,
      encoding: "utf8",
      stdin: options.input === undefined ? "ignore" : "pipe",
    });
    const result: CommandResult = {
      argv,
      exitCode: r.exitCode ?? (r.failed ? -1 : 0),
      stdout: String(r.stdout ?? ""),
      stderr: String(r.stderr ?? ""),
      durationMs: Date.now() - started,
    };
    const ok = options.okExitCodes ?? [0];
    if (r.timedOut || (r.failed && r.exitCode === undefined) || !ok.includes(result.exitCode)) {
      const spawnFailed = r.exitCode === undefined && !r.timedOut;
      throw new CommandError({
        ...result,
        exitCode: spawnFailed ? 127 : result.exitCode,
        stderr: result.stderr || (spawnFailed ? `${r.shortMessage ?? "spawn failed"} (spawn)` : ""),
        timedOut: r.timedOut,
        cause: r.cause,
      });
    }
    return result;
  }
}
