/**
 * The CLI's streams, so commands can be run (and tested) without the real process's.
 */

/** Where a command reads and writes. */
export interface CliIo {
  /** Standard output (the transcript, JSON, values). */
  out(text: string): void;
  /** Standard error (`error: …` lines). */
  err(text: string): void;
  /** Standard input (the confirmation prompt, `stack import` without `--file`). */
  stdin: NodeJS.ReadableStream;
  /** Standard output, for prompts. */
  stdout: NodeJS.WritableStream;
  /** Both stdin and stdout are terminals: prompts may be asked. */
  interactive: boolean;
  /** Stdout is a terminal: live progress may be drawn. */
  liveOutput: boolean;
}

/** The process's own streams. */
export function processIo(): CliIo {
  // Why: when a reader such as `head` closes the pipe, the operation still finishes (and saves); its text is dropped.
  let stdoutClosed = false;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    stdoutClosed = true;
  });
  return {
    out: (text) => {
      if (!stdoutClosed) process.stdout.write(text);
    },
    err: (text) => process.stderr.write(text),
    stdin: process.stdin,
    stdout: process.stdout,
    interactive: !!process.stdin.isTTY && !!process.stdout.isTTY,
    liveOutput: !!process.stdout.isTTY,
  };
}

/** Reads a whole stream as text (stdin for `stack import`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
