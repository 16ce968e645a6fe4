/**
 * `qemu-lab preview|up|refresh|destroy`: the engine on the selected stack, as `pulumi` runs it — the preview, then
 * (unless `--yes`) "Do you want to perform this update?" on a terminal, then the operation; `--json` prints the
 * result instead of the transcript; Ctrl-C once cancels (steps in flight finish and are saved), twice terminates.
 */
import { LifecycleDriver, OperationError } from "../driver";
import type { LifecycleDriverOptions, OperationResult, StepResult } from "../driver";
import { Printer, formatStepLine } from "../driver/printer";
import { formatPropertyDiff } from "../driver/property-diff-view";
import { filterSecrets, maskSecrets } from "../driver/secrets";
import { WRITE_INTERVAL_MS } from "../driver/snapshot";
import type { StackState } from "../driver/types";
import type { Command, OperationName } from "./args";
import { ask, confirmPrompt, declinedMessage } from "./confirm";
import { BailError, CliError, EXIT } from "./exit-codes";
import type { CliIo } from "./io";
import { liveProgress, plainProgress, Progress } from "./progress";
import { engineConfig, needsCrypter, readStackConfig, stackConfigCrypter } from "./stack-config";
import { openWorkspace, resolveStack, stackConfigFile, stateFile, Workspace } from "./workspace";
import { messageOf } from "../provider/host/runner/message-of";

type OperationCommand = Extract<Command, { kind: "operation" }>;
type Mutating = Exclude<OperationName, "preview">;

/** The message when a mutating operation has no `--yes` and cannot ask (backenderr.go:127, refresh.go:141). */
export const NO_CONFIRMATION = "--yes must be passed in to proceed when running in non-interactive mode";

/** Pulumi's messages on the first and second Ctrl-C (pkg/backend/cancellation_scope.go:88-111). */
export const CANCEL_MESSAGE = "^C received; cancelling. If you would like to terminate immediately, press ^C again.\n";
const ORPHAN_WARNING = "Note that terminating immediately may lead to orphaned resources and other inconsistencies.\n";
const TERMINATE_MESSAGE = "^C received; terminating\n";

/** The engine options a command line means (without the output plumbing). */
export function operationOptions(ws: Workspace, stack: string, cmd: OperationCommand): LifecycleDriverOptions {
  const file = stackConfigFile(ws, stack);
  const doc = readStackConfig(file);
  const crypter = needsCrypter(doc) ? stackConfigCrypter(doc, file, false) : undefined;
  return {
    programDir: ws.programDir,
    project: ws.project,
    stack,
    stateFile: stateFile(ws, stack),
    config: engineConfig(doc, crypter),
    ...(cmd.targets.length > 0 ? { targets: cmd.targets } : {}),
    ...(cmd.replaces.length > 0 ? { replaces: cmd.replaces } : {}),
    ...(cmd.parallel !== undefined ? { parallel: cmd.parallel } : {}),
    ...(cmd.refresh ? { refreshFirst: true } : {}),
  };
}

/**
 * The result as `--json` prints it: secrets as `[secret]`, and no debug diagnostics — they are the runtime's RPC
 * traces, which carry secret plaintexts; the text transcript leaves them out too (not verbose).
 */
export function jsonResult(result: OperationResult): string {
  const shown = { ...result, diagnostics: result.diagnostics.filter((d) => d.severity !== "debug") };
  return JSON.stringify(maskSecrets(shown), null, 2) + "\n";
}

/**
 * Property-level changes of a plan ("details" at the prompt, `--diff`): under each changed step, its properties as
 * `pulumi preview --diff` prints them (old and new values, secrets as `[secret]`), replacement keys marked.
 */
export function formatDetails(result: OperationResult): string {
  let out = "";
  for (const step of result.steps.filter((s) => s.op !== "same")) {
    out += formatStepLine(step, result.kind === "preview") + "\n";
    if (step.detailedDiff) out += formatPropertyDiff(step.detailedDiff, { indent: 2, replaceKeys: step.replaceKeys });
  }
  // Why filtered: as every printed line, so a plaintext that reached an unmarked value is still hidden.
  return filterSecrets(out);
}

/**
 * The plan of a destroy or refresh, from the state (the engine previews only updates): every resource deleted
 * dependents first, or every resource read.
 */
export function statePlan(op: "destroy" | "refresh", state: StackState): OperationResult {
  const live = state.resources.filter((r) => !r.delete);
  const ordered = op === "destroy" ? [...state.resources].reverse() : live;
  const steps: StepResult[] = ordered.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.urn.slice(r.urn.lastIndexOf("::") + 2),
    op: op === "destroy" ? "delete" : "refresh",
    custom: r.custom,
    id: r.id,
    diffs: [],
    replaceKeys: [],
  }));
  return { kind: "preview", steps, outputs: {}, summary: steps.length ? { [op === "destroy" ? "delete" : "refresh"]: steps.length } : {}, diagnostics: [], durationMs: 0 };
}

/** Prints a state-derived plan like the engine's preview transcript. */
function printStatePlan(op: "destroy" | "refresh", stack: string, plan: OperationResult, write: (t: string) => void): void {
  write(`Previewing ${op} (${stack}):\n\n`);
  const printer = new Printer(write, "preview", stack);
  for (const step of plan.steps) printer.step(step);
  printer.footer(plan);
}

/** Ctrl-C handling for one operation; returns the function that removes it. */
function onInterrupt(controller: AbortController, io: CliIo, preview: boolean): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      io.out(`\n${CANCEL_MESSAGE}${preview ? "" : ORPHAN_WARNING}`);
      controller.abort();
      return;
    }
    io.out(TERMINATE_MESSAGE);
    // Why the wait: the engine writes finished steps at most every WRITE_INTERVAL_MS; a write due then still lands.
    setTimeout(() => process.exit(EXIT.cancelled), WRITE_INTERVAL_MS + 100).unref();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Runs one engine call with its progress display and transcript routing; returns the result or the failure. */
async function runEngine(
  io: CliIo,
  cmd: OperationCommand,
  options: LifecycleDriverOptions,
  call: (driver: LifecycleDriver) => Promise<OperationResult>,
  title: string,
  dryRun: boolean,
): Promise<{ result?: OperationResult; error?: unknown }> {
  const live = io.liveOutput && !cmd.json;
  let transcript = "";
  const write = cmd.json ? () => undefined : live ? (t: string) => (transcript += t) : (t: string) => io.out(t);
  // Why none in plain previews: pulumi prints only the planned step lines then, no "creating" lines.
  const quiet: Progress = { onProgress: () => undefined, track: (_t, w) => w };
  const progress: Progress = cmd.json ? quiet : live ? liveProgress() : dryRun ? quiet : plainProgress(write);
  const driver = new LifecycleDriver({ ...options, write, onProgress: (e) => progress.onProgress(e) });
  try {
    return { result: await progress.track(title, call(driver)) };
  } catch (error) {
    return { error };
  } finally {
    if (live) io.out(transcript); // Why after: the live lines and the transcript would interleave on one terminal
  }
}

/** What an engine failure means for the exit: the transcript already shows it (a bail), or it is a plain error. */
function failure(error: unknown, io: CliIo, cmd: OperationCommand, signal: AbortSignal): never {
  if (error instanceof OperationError) {
    if (cmd.json) io.out(jsonResult(error.result));
    throw new BailError(signal.aborted ? EXIT.cancelled : EXIT.error);
  }
  if (error instanceof CliError) throw error;
  throw new CliError(messageOf(error), signal.aborted ? EXIT.cancelled : EXIT.error);
}

/** Shows the plan and asks; returns when the user said yes, bails otherwise. */
async function confirm(io: CliIo, cmd: OperationCommand, op: Mutating, options: LifecycleDriverOptions, signal: AbortSignal): Promise<void> {
  let plan: OperationResult;
  if (op === "up") {
    const { result, error } = await runEngine(io, cmd, options, (d) => d.preview(), `Previewing update (${options.stack})`, true);
    if (!result) failure(error, io, cmd, signal);
    plan = result;
  } else {
    plan = statePlan(op, new LifecycleDriver(options).state());
    printStatePlan(op, options.stack, plan, (t) => io.out(t));
  }
  for (;;) {
    io.out("\n");
    const answer = await ask(confirmPrompt(op), io.stdin, io.stdout);
    if (answer === "yes") return;
    if (answer === "no") {
      io.out(declinedMessage(op) + "\n");
      throw new BailError(EXIT.error);
    }
    io.out(formatDetails(plan));
  }
}

const TITLES: Record<OperationName, string> = { preview: "Previewing update", up: "Updating", refresh: "Refreshing", destroy: "Destroying" };

/** Runs `preview`, `up`, `refresh` or `destroy`. */
export async function operationCommand(cmd: OperationCommand, io: CliIo): Promise<void> {
  const mustConfirm = cmd.op !== "preview" && !cmd.yes;
  if (mustConfirm && (!io.interactive || cmd.json)) throw new CliError(NO_CONFIRMATION, EXIT.configuration);
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  const options = operationOptions(ws, stack, cmd);
  const controller = new AbortController();
  const release = onInterrupt(controller, io, cmd.op === "preview");
  try {
    options.signal = controller.signal;
    if (mustConfirm) await confirm(io, cmd, cmd.op as Mutating, options, controller.signal);
    const { result, error } = await runEngine(io, cmd, options, (d) => d[cmd.op](), `${TITLES[cmd.op]} (${stack})`, cmd.op === "preview");
    if (!result) failure(error, io, cmd, controller.signal);
    if (cmd.json) io.out(jsonResult(result));
    else if (cmd.diff) io.out(`\nProperty changes:\n${formatDetails(result)}`);
    if (controller.signal.aborted) throw new BailError(EXIT.cancelled);
  } finally {
    release();
  }
}
