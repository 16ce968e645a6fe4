/**
 * Exit codes: the Pulumi CLI's taxonomy (v3.248.0, pkg/cmd/pulumi/cmd/exit_codes.go:28-40), so scripts written for
 * `pulumi` read ours the same way.
 */

/** Process exit codes (exit_codes.go:29-39). */
export const EXIT = {
  success: 0,
  /** Generic error, including a failed update (a "bail", exit_codes.go:83-85). */
  error: 1,
  /** Invalid flags or invocation; also no `--yes` in non-interactive mode (exit_codes.go:111-119). */
  configuration: 2,
  /** No such stack, or none selected (exit_codes.go:93-98). */
  stackNotFound: 6,
  /** Cancelled by the user (Ctrl-C, or a declined confirmation is a bail: 1). */
  cancelled: 8,
} as const;

/** An error the CLI reports as `error: <message>` on stderr and exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.error,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A failure whose message was already printed (pulumi's "bail"): exit non-zero without another line. */
export class BailError extends CliError {
  constructor(code: number = EXIT.error) {
    super("", code);
    this.name = "BailError";
  }
}
