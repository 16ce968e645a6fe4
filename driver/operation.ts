/**
 * What every operation shares: the snapshot, one dynamic-provider process, collected steps, diagnostics and
 * errors, and the printer.
 */
import * as os from "node:os";
import type { LogSeverity } from "./types";
import { Printer, Writer } from "./printer";
import { filterSecrets } from "./secrets";
import { ProviderClient } from "./provider-client";
import { PROVIDER_KEY, PropertyMap } from "./rpc";
import type { Snapshot } from "./snapshot";
import type { ResourceState } from "./types";
import { Diagnostic, OperationError, OperationKind, OperationResult, ProgressEvent, StepOp, StepResult } from "./types";
import { parseUrn, ROOT_STACK_TYPE } from "./urn";
import { messageOf } from "../provider/host/runner/message-of";

/** Settings an operation needs. */
export interface OperationSettings {
  kind: OperationKind;
  project: string;
  stack: string;
  /** The program's folder: cwd of the provider process. */
  programDir: string;
  pulumiDir: string;
  snapshot: Snapshot;
  write: Writer;
  verbose: boolean;
  /** Args for the provider's Configure: the whole stack config with `project:key` keys. */
  providerConfig: PropertyMap;
  /** Env for the provider process. */
  providerEnv: Record<string, string | undefined>;
  /** Most provider steps (create/update/delete/replace) running at once; default {@link defaultParallel}. */
  parallel?: number;
  /** First abort: steps in flight finish and are saved, no new ones start. */
  signal?: AbortSignal;
  /** Called when a step starts, finishes or fails. */
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * The engine's default `--parallel`: 4 × GOMAXPROCS, i.e. 4 × the CPUs, unless `PULUMI_PARALLEL` is set
 * (pkg/cmd/pulumi/operations/up.go:71-88, defaultParallel).
 */
export function defaultParallel(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.PULUMI_PARALLEL);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 4 * os.availableParallelism();
}

/** A step refused because the operation is stopping (after a failed step or an abort); it never started. */
export class StepCancelledError extends Error {
  constructor(urn: string) {
    super(`step for ${urn} not started: the operation is stopping`);
    this.name = "StepCancelledError";
  }
}

/** An error that belongs to one resource; its message names the resource. */
function resourceError(urn: string, err: unknown): Error {
  const parsed = parseUrn(urn);
  const message = messageOf(err);
  const wrapped = new Error(`${parsed ? `${parsed.type} (${parsed.name})` : urn}: ${message}`);
  (wrapped as Error & { cause?: unknown }).cause = err;
  return wrapped;
}

/**
 * A resource's outputs as sent to Read/Update/Delete/Diff. Why the fallback: a partial-create error's
 * properties lack `__provider`, and without it the dynamic provider cannot load the resource's provider.
 */
export function outputsForProvider(r: Pick<ResourceState, "outputs" | "inputs">): PropertyMap {
  if (typeof r.outputs[PROVIDER_KEY] === "string" || r.inputs[PROVIDER_KEY] === undefined) return r.outputs;
  return { ...r.outputs, [PROVIDER_KEY]: r.inputs[PROVIDER_KEY] };
}

/** The error an aborted operation ends with (the engine's words on a cancelled update). */
export const CANCELLED = "update canceled";

/** Shared state of one preview/up/refresh/destroy. */
export class Operation {
  readonly steps: StepResult[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly errors: Error[] = [];
  readonly printer: Printer;
  outputs: PropertyMap = {};
  private readonly started = Date.now();
  private providerPromise: Promise<ProviderClient> | undefined;
  /** Set by the first failed step or by an abort: no step starts after it (step_executor.go:435-461). */
  private stopping = false;
  private aborted = false;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  /** URNs whose current step reported "start". */
  private readonly startedAt = new Map<string, number>();

  constructor(readonly settings: OperationSettings) {
    this.printer = new Printer(settings.write, settings.kind, settings.stack, settings.verbose);
    this.limit = Math.max(1, settings.parallel ?? defaultParallel());
    const signal = settings.signal;
    if (signal?.aborted) this.abort();
    else signal?.addEventListener("abort", () => this.abort(), { once: true });
  }

  /** True once a step failed or the operation was aborted: nothing new starts. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Refuses a registration that arrives after a failure or an abort (its step never starts). */
  admit(urn: string): void {
    if (this.stopping) throw new StepCancelledError(urn);
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.fail(new Error(CANCELLED));
  }

  /**
   * Runs one step's provider work within the `parallel` bound, as the engine's step executor does with its
   * `DegreeOfParallelism` workers (step_executor.go:762-770); a step whose turn comes after a failure or an abort
   * does not start (executeChain checks the cancelled context before each step, step_executor.go:404-413).
   */
  async runStep<T>(urn: string, work: () => Promise<T>, admitted = false): Promise<T> {
    let waited = false;
    while (this.running >= this.limit && !this.stopping) {
      waited = true;
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
    // Why `admitted`: a registration received before the stop had its step generated already and goes on unless it
    // has to queue for a worker — the engine races the same way (its step generator runs ahead of the executor).
    if (this.stopping && (!admitted || waited || this.running >= this.limit)) throw new StepCancelledError(urn);
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /**
   * Reports a step's progress (`onProgress`). {@link addStep} reports "done"/"failed" itself, and "start" too for
   * a step that did not report one.
   */
  progress(urn: string, op: StepOp, phase: ProgressEvent["phase"], durationMs?: number): void {
    if (phase === "start") this.startedAt.set(urn, Date.now());
    if (!this.settings.onProgress) return;
    const parsed = parseUrn(urn);
    try {
      this.settings.onProgress({ urn, name: parsed?.name ?? urn, type: parsed?.type ?? "", op, phase, durationMs });
    } catch (err) {
      this.diagnose("warning", `onProgress threw: ${messageOf(err)}`);
    }
  }

  get snapshot(): Snapshot {
    return this.settings.snapshot;
  }

  get dryRun(): boolean {
    return this.settings.kind === "preview";
  }

  /** The operation's single provider process, started (and configured) on first use. */
  provider(): Promise<ProviderClient> {
    if (!this.providerPromise) {
      this.providerPromise = (async () => {
        const client = await ProviderClient.start({
          cwd: this.settings.programDir,
          pulumiDir: this.settings.pulumiDir,
          env: this.settings.providerEnv,
          onStdout: (line) => this.diagnose("info", line, "provider"),
          onStderr: (line) => this.diagnose("debug", line, "provider"),
        });
        try {
          await client.configure(this.settings.providerConfig);
        } catch (err) {
          await client.close();
          throw err;
        }
        return client;
      })();
    }
    return this.providerPromise;
  }

  /** Records a diagnostic; `urn` "provider" marks the provider process's own output. */
  diagnose(severity: LogSeverity, message: string, urn?: string): void {
    this.diagnostics.push({ severity, message: filterSecrets(message), urn: urn || undefined }); // secrets as [secret] (H-STATE)
  }

  /** Records and prints a finished step. */
  addStep(step: Omit<StepResult, "type" | "name"> & { type?: string; name?: string }): StepResult {
    const parsed = parseUrn(step.urn);
    const full: StepResult = { ...step, type: step.type ?? parsed?.type ?? "", name: step.name ?? parsed?.name ?? step.urn };
    this.steps.push(full);
    this.printer.step(full);
    if (!this.startedAt.has(full.urn)) this.progress(full.urn, full.op, "start");
    this.startedAt.delete(full.urn);
    this.progress(full.urn, full.op, full.error ? "failed" : "done", full.durationMs);
    return full;
  }

  /** Records an error; with `urn`, the aggregate's message names the resource (the diagnostic sits under it). */
  fail(err: unknown, urn?: string): void {
    if (err instanceof StepCancelledError) return; // Why: not an error of its own; the failure or abort that caused it is.
    const error = err instanceof Error ? err : new Error(String(err));
    // Why: the engine cancels the step executor on the first failed step, except for deletes refused by `protect`,
    // which it continues past to report them all (step_executor.go:435-461).
    if (!this.stopping && error.name !== "DeleteProtectedError") {
      this.stopping = true;
      for (const wake of this.waiting.splice(0)) wake();
    }
    this.errors.push(urn ? resourceError(urn, error) : error);
    this.diagnose("error", error.message, urn);
  }

  /** Kills the provider process if one was started. */
  async close(): Promise<void> {
    // Whatever happened, the state file records every finished step before the operation returns.
    await this.snapshot.flush().catch((e) => this.fail(e));
    if (this.providerPromise) {
      const client = await this.providerPromise.catch(() => undefined);
      await client?.close();
    }
  }

  /** Builds the result, prints the footer, and throws an {@link OperationError} when anything failed. */
  finish(): OperationResult {
    const summary: Partial<Record<StepOp, number>> = {};
    for (const s of this.steps) if (!s.error) summary[s.op] = (summary[s.op] ?? 0) + 1;
    const result: OperationResult = {
      kind: this.settings.kind,
      steps: this.steps,
      outputs: this.outputs,
      summary,
      diagnostics: this.diagnostics,
      durationMs: Date.now() - this.started,
    };
    this.printer.footer(result);
    if (this.errors.length > 0) throw new OperationError(this.errors, result);
    return result;
  }

  /** Stack outputs recorded in the snapshot. */
  stackOutputs(): PropertyMap {
    return this.snapshot.resources.find((r) => r.type === ROOT_STACK_TYPE && !r.delete)?.outputs ?? {};
  }
}
