/**
 * Pulumi-CLI-like text output: a line per resource step, then diagnostics, outputs and the resource summary.
 */
import { formatDiff } from "./property-diff";
import { UNKNOWN } from "./rpc";
import { hasSecretSig } from "./checkpoint";
import { filterSecrets, SECRET_MASK } from "./secrets";
import { parseUrn } from "./urn";
import type { OperationKind, OperationResult, StepOp, StepResult } from "./types";

/** Where text goes. */
export type Writer = (text: string) => void;

const SYMBOLS: Record<StepOp, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", refresh: "~" };

const HEADERS: Record<OperationKind, string> = {
  preview: "Previewing update",
  up: "Updating",
  refresh: "Refreshing",
  destroy: "Destroying",
};

const PAST: Record<StepOp, string> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
  same: "",
  refresh: "updated",
};

/** Formats an operation's progress and summary for a {@link Writer}. */
export class Printer {
  private readonly write: Writer;

  constructor(
    write: Writer,
    private readonly kind: OperationKind,
    private readonly stack: string,
    private readonly verbose = false,
  ) {
    // Why filtered here: every line of the operation's text passes through it, so no secret plaintext is printed.
    this.write = (text) => write(filterSecrets(text));
  }

  /** `Updating (dev):` */
  header(): void {
    this.write(`${HEADERS[this.kind]} (${this.stack}):\n\n`);
  }

  /** The line for a finished (or, in a preview, planned) step. */
  step(step: StepResult): void {
    this.write(formatStepLine(step, this.kind === "preview") + "\n");
  }

  /** Diagnostics, outputs, summary and duration. */
  footer(result: OperationResult): void {
    const diags = result.diagnostics.filter((d) => this.verbose || d.severity !== "debug");
    if (diags.length > 0) {
      this.write("\nDiagnostics:\n");
      const byUrn = new Map<string, typeof diags>();
      for (const d of diags) byUrn.set(d.urn ?? "", [...(byUrn.get(d.urn ?? "") ?? []), d]);
      for (const [urn, list] of byUrn) {
        const parsed = parseUrn(urn);
        this.write(`  ${parsed ? `${parsed.type} (${parsed.name})` : urn || "driver"}:\n`);
        for (const d of list) this.write(`    ${d.severity}: ${d.message.replace(/\n/g, "\n    ")}\n`);
        this.write("\n");
      }
    }
    const outputs = Object.entries(result.outputs);
    if (outputs.length > 0 && result.kind !== "destroy") {
      this.write("\nOutputs:\n");
      for (const [k, v] of outputs) this.write(`    ${k}: ${formatValue(v)}\n`);
    }
    this.write("\nResources:\n");
    const preview = result.kind === "preview";
    for (const op of ["create", "update", "refresh", "replace", "delete"] as StepOp[]) {
      const n = result.summary[op];
      if (!n) continue;
      const sym = SYMBOLS[op].padEnd(2);
      this.write(`    ${sym}${n} ${preview ? `to ${op}` : PAST[op]}\n`);
    }
    if (result.summary.same) this.write(`    ${result.summary.same} unchanged\n`);
    const failed = result.steps.filter((s) => s.error).length;
    if (failed) this.write(`    ${failed} failed\n`);
    this.write(`\nDuration: ${(result.durationMs / 1000).toFixed(1)}s\n`);
  }
}

/** Stands in for a secret while a value is serialized (then printed as `[secret]`, as the CLI shows secrets). */
const SECRET_PLACEHOLDER = "\u0000secret\u0000";

/** Replaces every secret (its plaintext never reaches the text) with the placeholder. */
function hideSecrets(value: unknown): unknown {
  if (hasSecretSig(value)) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v)]));
  return value;
}

/** A value as compact JSON, with secrets shown as `[secret]` and not-yet-known values (previews) as `[unknown]`. */
export function formatValue(value: unknown): string {
  return JSON.stringify(hideSecrets(value))
    .split(JSON.stringify(SECRET_PLACEHOLDER))
    .join(SECRET_MASK)
    .split(JSON.stringify(UNKNOWN))
    .join("[unknown]");
}

/** One step as text: ` ~  TYPE NAME updated (0.1s) [diff: ~content]`. */
export function formatStepLine(step: StepResult, preview: boolean): string {
  const symbol = step.op === "replace" && step.deleteBeforeReplace ? "-+" : SYMBOLS[step.op];
  let verb = preview ? (step.op === "same" ? "" : step.op) : PAST[step.op];
  if (step.retained) verb = preview ? "discard" : "discarded";
  if (step.error) verb = `**${step.op} failed**`;
  const time = !preview && step.durationMs !== undefined && step.op !== "same" ? ` (${(step.durationMs / 1000).toFixed(2)}s)` : "";
  const diff = formatDiff(step.detailedDiff);
  const replace = step.replaceKeys.length > 0 ? ` [replace: ${step.replaceKeys.join(",")}]` : "";
  const error = step.error ? ` error: ${step.error.split("\n")[0]}` : "";
  return ` ${symbol.padEnd(2)} ${step.type} ${step.name}${verb ? ` ${verb}` : ""}${time}${diff ? ` ${diff}` : ""}${replace}${error}`;
}
