import type { CommandResult, CommandRunner, RunOptions } from "../../provider/host/runner/types";

/** Wraps a runner and counts processes started and `ip` commands carried (a batch carries one per line). */
export class CountingRunner implements CommandRunner {
  processes = 0;
  commands = 0;
  constructor(private readonly inner: CommandRunner) {}

  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    this.processes++;
    const batch = argv.includes("-batch") && options?.input !== undefined;
    this.commands += batch ? options!.input!.split("\n").filter((l) => l.trim() !== "").length : 1;
    return this.inner.run(argv, options);
  }

  reset(): void {
    this.processes = 0;
    this.commands = 0;
  }
}
