/**
 * Pending operations: a provider create/update/delete is recorded in the checkpoint's `pending_operations` and
 * written BEFORE the provider is called, and cleared when it returns, so a driver killed in between leaves a trace
 * the next run reports — as the engine's snapshot manager does (pkg/backend/snapshot.go:435 `markOperationPending`
 * before the step runs; :755-771 writes the outstanding ones).
 */
import type { Snapshot } from "./snapshot";
import type { PendingOperationState, ResourceState } from "./types";
import { parseUrn } from "./urn";

/** The kinds of provider step that are recorded. */
export type PendingType = "creating" | "updating" | "deleting";

/** A started provider step; `end()` clears it (call it whether the step succeeded or failed). */
export interface PendingHandle {
  end(): void;
}

/**
 * Records that a provider step on `urn` starts now and writes the state file at once. `resource` is the state the
 * step works on (the new state for a create, the old for an update or delete; the snapshot's live entry by
 * default). A read-only snapshot (preview) records nothing.
 */
export async function beginPending(snapshot: Snapshot, urn: string, type: PendingType, resource?: ResourceState): Promise<PendingHandle> {
  const entry: ResourceState = resource ??
    snapshot.find(urn) ?? { urn, type: parseUrn(urn)?.type ?? "", custom: true, inputs: {}, outputs: {}, dependencies: [], propertyDependencies: {} };
  const op: PendingOperationState = { resource: { ...entry, delete: undefined }, type };
  await snapshot.beginPending(op);
  let ended = false;
  return {
    end(): void {
      if (ended) return;
      ended = true;
      snapshot.endPending(op);
    },
  };
}

/**
 * The engine's warning about pending operations left by an interrupted run (pkg/resource/deploy/
 * deployment_executor.go:90-114 `printPendingOperationsWarning`), word for word; undefined when there are none.
 */
export function pendingOperationsWarning(pending: readonly PendingOperationState[]): string | undefined {
  if (pending.length === 0) return undefined;
  const lines = pending.map((op) => `  * ${op.resource.urn}, interrupted while ${op.type}\n`).join("");
  return (
    `Attempting to deploy or update resources with ${pending.length} pending operations from previous deployment.\n` +
    lines +
    "These resources are in an unknown state because the Pulumi CLI was interrupted while " +
    "waiting for changes to these resources to complete. You should confirm whether or not the " +
    "operations listed completed successfully by checking the state of the appropriate provider. " +
    "For example, if you are using AWS, you can confirm using the AWS Console.\n" +
    "\n" +
    "Once you have confirmed the status of the interrupted operations, you can repair your stack " +
    "using `pulumi refresh` which will refresh the state from the provider you are using and " +
    "clear the pending operations if there are any.\n" +
    "\n" +
    "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations."
  );
}

/**
 * Reports the base snapshot's pending operations as the engine does: a warning (no resource) at the start of an
 * `up` or `destroy` that is not a dry run; refresh prints none (deployment_executor.go:165-188).
 */
export function reportPendingOperations(op: { settings: { kind: string }; snapshot: Snapshot; diagnose(severity: "warning", message: string): void }): void {
  if (op.settings.kind !== "up" && op.settings.kind !== "destroy") return;
  const warning = pendingOperationsWarning(op.snapshot.basePendingOperations);
  if (warning) op.diagnose("warning", warning);
}

/**
 * Runs one provider call as a pending operation: recorded (and written) before, cleared after, whatever the outcome.
 * `resource` is what the engine records: the new state for creates and updates, the old for deletes
 * (pkg/backend/snapshot.go:435, :479, :509).
 */
export async function withPending<T>(snapshot: Snapshot, type: PendingType, resource: ResourceState, call: () => Promise<T>): Promise<T> {
  const pending = await beginPending(snapshot, resource.urn, type, resource);
  try {
    return await call();
  } finally {
    pending.end();
  }
}
