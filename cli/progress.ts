/**
 * Progress while an operation runs, fed by the engine's `onProgress`: on a terminal a live line per running step with
 * its elapsed time (listr2), like pulumi's interactive display; otherwise a plain line as each step starts, like
 * pulumi's non-interactive output (` +  files:FileObject a creating (0s)`), the engine's printer adding the
 * finished line.
 */
import type { ProgressEvent, StepOp } from "../driver/types";

/** Pulumi's symbols and present participles per step (pkg/display: `deploy.Step.Op` colors and `getStepOpLabel`). */
const SYMBOL: Record<StepOp, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", refresh: "~" };
const ING: Record<StepOp, string> = { create: "creating", update: "updating", replace: "replacing", delete: "deleting", same: "", refresh: "refreshing" };

/** One running step as a line: ` +  files:FileObject a creating (3s)`. */
export function runningLine(e: Pick<ProgressEvent, "op" | "type" | "name">, elapsedMs: number): string {
  const verb = ING[e.op];
  return ` ${SYMBOL[e.op].padEnd(2)} ${e.type} ${e.name}${verb ? ` ${verb}` : ""} (${Math.floor(elapsedMs / 1000)}s)`;
}

/** What the operation runner needs of a progress display. */
export interface Progress {
  onProgress(e: ProgressEvent): void;
  /** Shows progress until `work` settles; returns (or rethrows) its outcome. */
  track<T>(title: string, work: Promise<T>): Promise<T>;
}

/** Plain lines: a "creating" line when a step starts (the finished line comes from the printer). */
export function plainProgress(write: (text: string) => void): Progress {
  return {
    onProgress: (e) => {
      if (e.phase === "start" && e.op !== "same") write(runningLine(e, 0) + "\n");
    },
    track: (_title, work) => work,
  };
}

/** The running steps, by URN, with when they started. */
export class RunningSteps {
  private readonly running = new Map<string, { e: ProgressEvent; started: number }>();
  private finished = 0;

  constructor(private readonly now: () => number = Date.now) {}

  update(e: ProgressEvent): void {
    if (e.phase === "start") this.running.set(e.urn, { e, started: this.now() });
    else if (this.running.delete(e.urn)) this.finished++;
  }

  /** A line per running step (oldest first), then how many finished. */
  lines(): string[] {
    const now = this.now();
    const lines = [...this.running.values()].filter((r) => r.e.op !== "same").map((r) => runningLine(r.e, now - r.started));
    return [...lines, `${this.finished} step${this.finished === 1 ? "" : "s"} done`];
  }
}

/** A live listr2 display on a terminal: one task for the operation, the running steps as its output lines. */
export function liveProgress(): Progress {
  const steps = new RunningSteps();
  return {
    onProgress: (e) => steps.update(e),
    async track<T>(title: string, work: Promise<T>): Promise<T> {
      // Why require: listr2 9 is ESM-first; its CommonJS build loads with require() from this CommonJS package.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
      const { Listr } = require("listr2") as typeof import("listr2");
      const list = new Listr(
        [
          {
            title,
            task: async (_ctx, task) => {
              // Why the title: listr2's output bar keeps every line ever written; the title is redrawn as it is.
              const draw = () => (task.title = [title, ...steps.lines().map((l) => `  ${l}`)].join("\n"));
              const timer = setInterval(draw, 200);
              try {
                await work;
              } finally {
                clearInterval(timer);
                task.title = title;
              }
            },
          },
        ],
        // Why no signal listeners: Ctrl-C is ours (first cancels, second terminates), not listr2's exit.
        { registerSignalListeners: false, exitOnError: false, rendererOptions: { collapseErrors: true } },
      );
      await list.run().catch(() => undefined); // the work's own error is what is reported, below
      return work;
    },
  };
}
