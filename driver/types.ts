/**
 * Public result and option types of the lifecycle driver.
 */
import type { PropertyDiff } from "./property-diff";
import type { PropertyMap } from "./rpc";

/** How bad a diagnostic is (the engine's log severities). */
export type LogSeverity = "debug" | "info" | "warning" | "error";

/** What happened (or, in a preview, would happen) to a resource. `refresh` marks drift found by a refresh. */
export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "refresh";

/** A step starting, finishing or failing (EngineOptions.onProgress). */
export interface ProgressEvent {
  urn: string;
  name: string;
  type: string;
  op: StepOp;
  phase: "start" | "done" | "failed";
  /** On "done"/"failed": how long the step took. */
  durationMs?: number;
}

/** The operations the driver runs. */
export type OperationKind = "preview" | "up" | "refresh" | "destroy";

/** One resource's step in an operation. */
export interface StepResult {
  urn: string;
  type: string;
  name: string;
  op: StepOp;
  /** False for components and the root stack (no provider involved). */
  custom: boolean;
  /** The resource's ID after the step (absent for previews of creates/replaces and for deletes). */
  id?: string;
  /** Changed property names (inputs for create/update/replace; outputs for refresh), sorted. */
  diffs: string[];
  /** The same change split into added, deleted and updated keys. */
  detailedDiff?: PropertyDiff;
  /** Properties the provider said force a replacement. */
  replaceKeys: string[];
  /** For replaces: true when the old resource was (or would be) deleted before the new one is created. */
  deleteBeforeReplace?: boolean;
  /** For deletes: true when `retainOnDelete` dropped the resource from state without deleting it. */
  retained?: boolean;
  /** True when the resource was adopted through the `import` option (read, not created). */
  imported?: boolean;
  /** The step's error message, if it failed. */
  error?: string;
  durationMs?: number;
}

/** A message from the program, the engine or the provider. */
export interface Diagnostic {
  severity: LogSeverity;
  message: string;
  /** The resource the message is about, if any. */
  urn?: string;
}

/** The structured outcome of an operation. */
export interface OperationResult {
  kind: OperationKind;
  /** Steps in completion order. */
  steps: StepResult[];
  /** Stack outputs (previews may contain the unknown sentinel). */
  outputs: PropertyMap;
  /** Number of successful steps per op (failed steps carry `error` and are not counted). */
  summary: Partial<Record<StepOp, number>>;
  diagnostics: Diagnostic[];
  durationMs: number;
}

/** Rejection of a failed operation: every error, plus the result as far as it got. */
export class OperationError extends AggregateError {
  constructor(
    errors: Error[],
    readonly result: OperationResult,
  ) {
    super(errors, `${result.kind} failed:\n${errors.map((e) => `  - ${e.message.replace(/\n/g, "\n    ")}`).join("\n")}`);
    this.name = "OperationError";
  }
}

/** One resource as recorded in the state file. */
export interface ResourceState {
  urn: string;
  type: string;
  /** True for provider-backed resources; components and the root stack are false. */
  custom: boolean;
  /** Provider-assigned ID (custom resources). */
  id?: string;
  /** Checked inputs of the last successful step (including `__provider` for dynamic resources). */
  inputs: PropertyMap;
  /** Outputs from the provider (for the stack: the stack outputs; for components: registered outputs). */
  outputs: PropertyMap;
  parent?: string;
  /** Every resource this one depends on (`dependsOn` plus property dependencies). */
  dependencies: string[];
  /** Property name → URNs its value came from. */
  propertyDependencies: Record<string, string[]>;
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  /** Reasons of a partial create/update; the next `up` updates the resource even without a diff. */
  initErrors?: string[];
  /** Set on the old half of a create-before-delete replacement that still has to be deleted. */
  delete?: boolean;
  created?: string;
  modified?: string;
}

/** A provider step started but not finished when the state was written (checkpoint `pending_operations`). */
export interface PendingOperationState {
  resource: ResourceState;
  type: "creating" | "updating" | "deleting" | "reading";
}

/** The whole state file (on disk a Pulumi checkpoint, deployment v3; see driver/state-file.ts). */
export interface StackState {
  version: 1;
  project: string;
  stack: string;
  resources: ResourceState[];
  /** Provider steps that had started and not finished when the state was written (H-STATE). */
  pendingOperations?: PendingOperationState[];
  /** The passphrase secrets provider: `salt` is the `encryptionsalt` secrets are encrypted with (H-STATE). */
  secretsProvider?: { salt?: string };
  /** The checkpoint's default provider entries and the config they record, kept for a lossless round trip (H-STATE). */
  defaultProviders?: { entries?: ResourceState[]; config?: PropertyMap };
}
