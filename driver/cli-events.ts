/**
 * Pure translation of the Pulumi CLI's engine events (Automation API `onEvent`) into the lifecycle driver's
 * {@link StepResult}s, so the two can be compared step for step.
 */
import type { LogSeverity } from "./types";
import { changedKeys, diffProperties, displayDiff, hasChanges, PropertyDiff } from "./property-diff";
import { PROVIDER_KEY, PropertyMap } from "./rpc";
import type { Diagnostic, OperationKind, StepOp, StepResult } from "./types";
import { parseUrn, ROOT_STACK_TYPE } from "./urn";

/** The parts of an engine event this module reads (a subset of `@pulumi/pulumi/automation`'s EngineEvent). */
export interface CliEvent {
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
  diagnosticEvent?: { urn?: string; message: string; severity: string };
}

/** The engine's StepEventMetadata, as far as it is read here. */
export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  old?: { custom?: boolean; id?: string; inputs?: PropertyMap; outputs?: PropertyMap };
  new?: { custom?: boolean; id?: string; inputs?: PropertyMap; outputs?: PropertyMap };
  keys?: string[];
}

// Why a subset: the CLI's ops that are one of ours; create-replacement and delete-replaced are halves of a replace.
const OPS: Record<string, StepOp | undefined> = {
  create: "create",
  update: "update",
  replace: "replace",
  delete: "delete",
  same: "same",
  refresh: "refresh",
  discard: "delete",
};

const SEVERITY: Record<string, LogSeverity> = { debug: "debug", info: "info", "info#err": "info", warning: "warning", error: "error" };

/** The steps, diagnostics and (for a preview) planned stack outputs that a CLI run's events describe. */
export function cliStepResults(
  kind: OperationKind,
  events: CliEvent[],
): { steps: StepResult[]; diagnostics: Diagnostic[]; previewOutputs: PropertyMap } {
  const steps: StepResult[] = [];
  const diagnostics: Diagnostic[] = [];
  const preOrder = new Map<string, string[]>(); // urn → pre-event ops so far, to tell delete-before-replace
  let previewOutputs: PropertyMap = {};
  for (const e of events) {
    if (e.diagnosticEvent) {
      const d = e.diagnosticEvent;
      diagnostics.push({ severity: SEVERITY[d.severity] ?? "info", message: d.message, urn: d.urn || undefined });
      continue;
    }
    if (e.resourcePreEvent) {
      const m = e.resourcePreEvent.metadata;
      preOrder.set(m.urn, [...(preOrder.get(m.urn) ?? []), m.op]);
    }
    const outs = e.resOutputsEvent?.metadata;
    if (kind === "preview" && outs?.type === ROOT_STACK_TYPE) previewOutputs = outs.new?.outputs ?? {};
    // Why pre-events for previews: a preview's "outputs" events repeat them; for the others they mark completion.
    const done = kind === "preview" ? e.resourcePreEvent : (e.resOutputsEvent ?? e.resOpFailedEvent);
    if (!done) continue;
    const m = done.metadata;
    if (m.type.startsWith("pulumi:providers:")) continue; // default providers: the lifecycle driver has none
    const step = toStep(kind, m, preOrder.get(m.urn) ?? []);
    if (!step) continue;
    if (e.resOpFailedEvent) step.error = failureMessage(diagnostics, m.urn);
    steps.push(step);
  }
  return { steps, diagnostics, previewOutputs };
}

function toStep(kind: OperationKind, m: StepMetadata, order: string[]): StepResult | undefined {
  let op = OPS[m.op];
  if (!op) return undefined;
  const oldIn = m.old?.inputs ?? {};
  const newIn = m.new?.inputs ?? {};
  let diff: PropertyDiff | undefined;
  if (kind === "refresh") {
    // Why: the engine reports drift (by the provider's Diff) as an "update"; the lifecycle driver calls it "refresh".
    if (op === "update" || op === "refresh") op = "refresh";
    if (op === "refresh") diff = diffProperties(m.old?.outputs ?? {}, m.new?.outputs ?? {}, [PROVIDER_KEY]);
  } else if (op === "update" || op === "replace") {
    diff = displayDiff(oldIn, newIn);
    if (!hasChanges(diff)) {
      // Why: as in the lifecycle driver, a drift repair is explained by the outputs that differ from the inputs.
      const outs = m.old?.outputs ?? {};
      diff = displayDiff(Object.fromEntries(Object.keys(newIn).map((k) => [k, outs[k]])), newIn);
    }
  }
  const step: StepResult = {
    urn: m.urn,
    type: m.type,
    name: parseUrn(m.urn)?.name ?? m.urn,
    op,
    custom: !!(m.new?.custom ?? m.old?.custom),
    id: op === "delete" ? undefined : m.new?.id || undefined,
    diffs: diff ? changedKeys(diff) : [],
    detailedDiff: diff,
    replaceKeys: op === "replace" ? [...(m.keys ?? [])].sort() : [],
  };
  // Why the order: the engine emits delete-replaced before the replace step only when the old one goes first.
  if (op === "replace") step.deleteBeforeReplace = order.includes("delete-replaced");
  return step;
}

/** The error diagnostics the engine logged for one resource, joined. */
function failureMessage(diagnostics: Diagnostic[], urn: string): string {
  const own = diagnostics.filter((d) => d.severity === "error" && d.urn === urn).map((d) => d.message.trim());
  return own.length > 0 ? own.join("\n") : "failed";
}
