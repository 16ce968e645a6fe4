/** What a command runner needs to run one command. argv only: never a shell. */
export interface RunOptions {
  /** Text written to the command's standard input. */
  input?: string;
  /** Kill the command after this many milliseconds (default: the runner's default, 30 s). */
  timeoutMs?: number;
  /** Exit codes that are not failures (default: only 0). */
  okExitCodes?: readonly number[];
  /** Extra environment variables. */
  env?: Readonly<Record<string, string>>;
}

/** A finished command. */
export interface CommandResult {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * The one seam through which every host command runs. Local today (execa); an SSH runner
 * implements the same interface later, so host operations never know where they run.
 */
export interface CommandRunner {
  /** Run argv; resolve on an ok exit code, reject with a {@link CommandError} otherwise. */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}
