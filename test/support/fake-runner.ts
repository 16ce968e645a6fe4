import { CommandError } from "../../provider/host/runner/command-error";
import type { CommandResult, CommandRunner, RunOptions } from "../../provider/host/runner/types";

/** A scripted answer: stdout, or a failure with exit code and stderr. */
export type FakeAnswer = { stdout?: string; stderr?: string; exitCode?: number };

/**
 * A CommandRunner for unit tests: answers from rules matched on the joined argv, records every call.
 * Unmatched commands succeed with empty output unless `strict` is set.
 */
export class FakeRunner implements CommandRunner {
  readonly calls: { argv: string[]; input?: string }[] = [];
  private readonly rules: { match: RegExp | ((argv: string[]) => boolean); answer: FakeAnswer | ((argv: string[], input?: string) => FakeAnswer) }[] = [];

  constructor(private readonly strict = false) {}

  /** Answer commands matching `match` (a regex on the space-joined argv, or a predicate). Later rules win. */
  on(match: RegExp | ((argv: string[]) => boolean), answer: FakeAnswer | ((argv: string[], input?: string) => FakeAnswer)): this {
    this.rules.unshift({ match, answer });
    return this;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const a = [...argv];
    this.calls.push({ argv: a, input: options.input });
    const joined = a.join(" ");
    const rule = this.rules.find((r) => (r.match instanceof RegExp ? r.match.test(joined) : r.match(a)));
    if (!rule && this.strict) throw new Error(`FakeRunner: unexpected command: ${joined}`);
    const ans = rule ? (typeof rule.answer === "function" ? rule.answer(a, options.input) : rule.answer) : {};
    const result = { argv: a, exitCode: ans.exitCode ?? 0, stdout: ans.stdout ?? "", stderr: ans.stderr ?? "", durationMs: 0 };
    if (!(options.okExitCodes ?? [0]).includes(result.exitCode)) throw new CommandError(result);
    return result;
  }

  /** The joined argv of every call so far. */
  commands(): string[] {
    return this.calls.map((c) => c.argv.join(" "));
  }
}
