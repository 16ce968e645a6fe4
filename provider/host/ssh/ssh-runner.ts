import type { ClientChannel } from "ssh2";
import { CommandError, formatArgv } from "../runner/command-error";
import { SYSTEM_PATH } from "../runner/execa-runner";
import type { CommandResult, CommandRunner, RunOptions } from "../runner/types";
import { shellCommand } from "./shell-quote";
import { SshConnectionError, type SshConnection } from "./ssh-connection";
import { messageOf } from "../runner/message-of";

/** Seconds `timeout` waits after its TERM before it KILLs the command. */
export const KILL_AFTER_S = 2;
/** Beyond timeout + kill-after, how long to wait for the remote side's answer before giving up on the channel. */
const ANSWER_GRACE_MS = 3_000;

/** An environment variable name a shell and `env` accept. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The command line sent for argv: the system PATH plus `env` (as ExecaRunner runs commands), and `timeout` so the
 * remote process dies with its timeout even when this process or the connection is gone (TERM, then KILL after
 * {@link KILL_AFTER_S} s; `timeout` signals the command's whole process group). `exec` leaves no login shell behind.
 * Pure; table-tested.
 */
export function remoteCommandLine(argv: readonly string[], options: { timeoutMs: number; env?: Readonly<Record<string, string>> }): string {
  if (argv.length === 0) throw new Error("SshRunner.run: empty argv");
  const env = Object.entries(options.env ?? {}).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new Error(`environment variable name ${JSON.stringify(k)} is not valid`);
    return `${k}=${v}`;
  });
  const seconds = (Math.max(1, Math.ceil(options.timeoutMs)) / 1000).toFixed(3);
  return `exec ${shellCommand(["env", `PATH=${SYSTEM_PATH}`, ...env, "timeout", "-k", String(KILL_AFTER_S), "--", seconds, ...argv])}`;
}

/** What came back from one remote command. */
interface Outcome {
  exitCode?: number;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  /** The answer did not come in time: the channel was closed from here. */
  abandoned: boolean;
}

/**
 * Runs commands on a remote machine over its shared SSH connection: each command is an exec channel carrying argv
 * quoted for the remote POSIX shell (never a shell string from callers), with a timeout enforced there and here.
 * Fails like ExecaRunner: a {@link CommandError} (naming the machine) with exit code 127 for a missing command and
 * `timedOut` for a timeout; a connection lost while the command ran is an {@link SshConnectionError} (it may have run).
 */
export class SshRunner implements CommandRunner {
  constructor(
    private readonly connection: SshConnection,
    private readonly defaults: { timeoutMs: number } = { timeoutMs: 30_000 },
  ) {}

  /** The machine as messages name it. */
  get where(): string {
    return this.connection.where;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs;
    const line = remoteCommandLine(argv, { timeoutMs, env: options.env });
    const started = Date.now();
    let outcome!: Promise<Outcome>;
    await this.connection.exec(line, {
      attach: (ch) => {
        outcome = collect(ch, options.input, timeoutMs + KILL_AFTER_S * 1000 + ANSWER_GRACE_MS);
      },
    });
    const out = await outcome;
    const durationMs = Date.now() - started;
    const stdout = out.stdout.toString("utf8");
    let stderr = out.stderr.toString("utf8");
    if (!out.abandoned && out.exitCode === undefined && out.signal === undefined)
      throw new SshConnectionError(
        this.where,
        `on ${this.where}: the connection was lost while running ${formatArgv(argv)}; it may or may not have run`,
      );
    // `timeout` exits 124 after its TERM (137 after its KILL); only then has the time run out on the remote side.
    const timedOut = out.abandoned || ((out.exitCode === 124 || out.exitCode === 137) && durationMs >= timeoutMs);
    const exitCode = out.exitCode ?? -1;
    if (exitCode === 127 && /^timeout: failed to run command/m.test(stderr)) stderr += `${argv[0]}: command not found on ${this.where}\n`;
    const result: CommandResult = { argv, exitCode, stdout, stderr, durationMs };
    if (timedOut || !(options.okExitCodes ?? [0]).includes(exitCode))
      throw new CommandError({ ...result, timedOut, where: this.where, ...(out.signal ? { cause: new Error(`killed by ${out.signal}`) } : {}) });
    return result;
  }
}

/** Feed stdin, gather stdout/stderr as bytes, wait for the exit status and the channel's close (bounded). Called as the channel opens. */
function collect(ch: ClientChannel, input: string | undefined, answerWithinMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outcome: Outcome = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), abandoned: false };
    const timer = setTimeout(() => {
      outcome.abandoned = true;
      ch.close(); // the remote `timeout` ends the process itself
      finish();
    }, answerWithinMs);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      outcome.stdout = Buffer.concat(out);
      outcome.stderr = Buffer.concat(err);
      resolve(outcome);
    };
    ch.on("data", (d: Buffer) => out.push(d));
    ch.stderr.on("data", (d: Buffer) => err.push(d));
    ch.on("exit", (code: number | null, signal?: string) => {
      if (code !== null && code !== undefined) outcome.exitCode = code;
      else outcome.signal = signal ?? "UNKNOWN";
    });
    ch.on("close", finish);
    ch.on("error", (e: Error) => err.push(Buffer.from(`${messageOf(e)}\n`)));

    if (input === undefined) ch.end();
    else ch.end(input);
  });
}
