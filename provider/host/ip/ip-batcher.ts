import { CommandError } from "../runner/command-error";
import type { CommandRunner } from "../runner/types";

interface Pending {
  args: readonly string[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** ip's batch syntax splits on whitespace and treats quotes/# specially: such arguments never go in a batch. */
function batchable(args: readonly string[]): boolean {
  return args.every((a) => a.length > 0 && !/[\s"'\\#]/.test(a));
}

/**
 * Coalesces `ip` write commands issued in the same tick into one `ip -force -batch -` process
 * (process start-up dominates the cost of an `ip` command). Each caller still gets its own
 * result: failures are attributed by the line numbers ip reports (`Command failed -:N`).
 */
export class IpBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  /** One batch at a time per namespace: writes arriving meanwhile wait and go together in the next one. */
  private running = false;

  constructor(
    private readonly runner: CommandRunner,
    private readonly prefix: readonly string[], // e.g. ["ip", "-n", "lab"]
    private readonly onWrite: () => void,
  ) {}

  /** Run `ip <args>`; resolves when that command has succeeded. */
  write(args: readonly string[]): Promise<void> {
    if (!batchable(args)) return this.runAlone(args);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async runAlone(args: readonly string[]): Promise<void> {
    this.onWrite();
    try {
      await this.runner.run([...this.prefix, ...args]);
    } finally {
      this.onWrite();
    }
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    this.running = true;
    try {
      await this.runBatch(batch);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      return this.runAlone(only.args).then(only.resolve, only.reject);
    }
    this.onWrite();
    const input = batch.map((p) => p.args.join(" ")).join("\n") + "\n";
    const argv = [...this.prefix, "-force", "-batch", "-"];
    let stderr = "";
    let exitCode = 0;
    let failedWhole: unknown;
    try {
      const r = await this.runner.run(argv, { input, okExitCodes: [0, 1] });
      stderr = r.stderr;
      exitCode = r.exitCode;
    } catch (e) {
      failedWhole = e;
    } finally {
      this.onWrite();
    }
    if (failedWhole) {
      for (const p of batch) p.reject(failedWhole);
      return;
    }
    const failures = batchFailures(stderr, exitCode, batch.length);
    batch.forEach((p, i) => {
      const err = failures.get(i + 1);
      if (err === undefined) p.resolve();
      else p.reject(new CommandError({ argv: [...this.prefix, ...p.args], exitCode: 2, stdout: "", stderr: err }));
    });
  }
}

/**
 * Every line of a batch of `lineCount` lines that failed or may not have run, with the error for it. Why more than
 * {@link attributeBatchErrors}: some errors (an unparsable argument) make `ip` exit at once, without `Command failed`
 * and without running the lines after it; a non-zero exit with such unattributed text fails every line after the last
 * attributed one, since which of them ran cannot be known. Pure; tested with tables.
 */
export function batchFailures(stderr: string, exitCode: number, lineCount: number): Map<number, string> {
  const out = attributeBatchErrors(stderr);
  const rest = unattributedTail(stderr);
  if (exitCode === 0 || (rest === "" && out.size > 0)) return out;
  const last = Math.max(0, ...out.keys());
  const why = `ip -batch stopped (exit ${exitCode}) with an error it did not attribute to a line: ${rest || "(no message)"}; this command may not have run`;
  for (let n = last + 1; n <= lineCount; n++) out.set(n, why);
  return out;
}

/** Error text after the last `Command failed -:N` line (ip's messages for a line come before that line). */
function unattributedTail(stderr: string): string {
  const lines = stderr.split("\n");
  const last = lines.map((l) => /^Command failed -:\d+\s*$/.test(l)).lastIndexOf(true);
  return lines
    .slice(last + 1)
    .filter((l) => l.trim() !== "" && !/^Bind \/etc\/netns\/.* failed/.test(l))
    .join("\n")
    .trim();
}

/** Map batch line number (1-based) → the error text ip printed for it. Pure; tested with tables. */
export function attributeBatchErrors(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let chunk: string[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^Command failed -:(\d+)\s*$/.exec(line);
    if (m) {
      out.set(Number(m[1]), chunk.join("\n").trim() || "ip reported a failure without a message");
      chunk = [];
    } else if (line.trim() !== "" && !/^Bind \/etc\/netns\/.* failed/.test(line)) {
      chunk.push(line);
    }
  }
  return out;
}
