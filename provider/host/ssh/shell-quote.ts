/**
 * Quoting for the remote POSIX shell. SSH carries one command line, not argv: sshd hands it to the login shell
 * (`$SHELL -c`), so every argument is quoted here, by this one function, and nothing else builds remote command lines.
 */

/** Characters that mean nothing to a POSIX shell in any word position (no `=`: a first word `a=b` is an assignment; no `~`). */
const BARE = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * One argument as a POSIX shell word that expands to exactly `arg`: bare when it has only harmless characters,
 * otherwise single-quoted (inside single quotes nothing is special, newlines included; a `'` is closed, escaped and
 * reopened as `'\''`). The empty string is `''`. A NUL cannot be passed in argv, so it is refused.
 */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new Error(`argument contains a NUL byte and cannot be passed to a command: ${JSON.stringify(arg)}`);
  return BARE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv as one POSIX shell command line (each argument quoted with {@link shellQuote}). */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
