/**
 * What every operation shares: the snapshot, one dynamic-provider process, collected steps, diagnostics and
 * errors, and the printer.
 */
import type { LogSeverity } from "./monitor-server";
import { Printer, Writer } from "./printer";
import { ProviderClient } from "./provider-client";
import { PROVIDER_KEY, PropertyMap } from "./rpc";
import type { Snapshot } from "./snapshot";
import type { ResourceState } from "./types";
import { Diagnostic, OperationError, OperationKind, OperationResult, StepOp, StepResult } from "./types";
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

/** Shared state of one preview/up/refresh/destroy. */
export class Operation {
  readonly steps: StepResult[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly errors: Error[] = [];
  readonly printer: Printer;
  outputs: PropertyMap = {};
  private readonly started = Date.now();
  private providerPromise: Promise<ProviderClient> | undefined;

  constructor(readonly settings: OperationSettings) {
    this.printer = new Printer(settings.write, settings.kind, settings.stack, settings.verbose);
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
    this.diagnostics.push({ severity, message, urn: urn || undefined });
  }

  /** Records and prints a finished step. */
  addStep(step: Omit<StepResult, "type" | "name"> & { type?: string; name?: string }): StepResult {
    const parsed = parseUrn(step.urn);
    const full: StepResult = { ...step, type: step.type ?? parsed?.type ?? "", name: step.name ?? parsed?.name ?? step.urn };
    this.steps.push(full);
    this.printer.step(full);
    return full;
  }

  /** Records an error; with `urn`, the aggregate's message names the resource (the diagnostic sits under it). */
  fail(err: unknown, urn?: string): void {
    const error = err instanceof Error ? err : new Error(String(err));
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
