/**
 * Deleting resources in reverse dependency order (the delete phase of `up`, and `destroy`), honouring `protect`
 * and `retainOnDelete`.
 */
import { deletionRounds, transitiveDependencies } from "./graph";
import { Operation, outputsForProvider, StepCancelledError } from "./operation";
import { withPending } from "./pending";
import { formatStepLine } from "./printer";
import type { ResourceState } from "./types";
import type { StepResult } from "./types";
import { messageOf } from "../provider/host/runner/message-of";

/** One resource to delete. */
export interface DeleteItem {
  resource: ResourceState;
  /** The old half of a replacement: `protect` was already checked, and the outcome belongs to this step. */
  replaceStep?: StepResult;
}

/** The engine's message for deleting a protected resource. */
export function protectedError(urn: string, action: "delete" | "replace"): Error {
  const err = new Error(
    `unable to ${action} resource "${urn}"\nas it is currently marked for protection. To unprotect the resource, ` +
      "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`",
  );
  // Why the name: the engine goes on past refused deletes (not replaces) to report them all (step_executor.go:446-448).
  if (action === "delete") err.name = "DeleteProtectedError";
  return err;
}

/**
 * Deletes one resource (or, in a preview, only reports it): calls the provider's Delete unless the resource is a
 * component or `retainOnDelete` is set, then drops it from the snapshot.
 */
export async function deleteResource(op: Operation, item: DeleteItem): Promise<void> {
  const r = item.resource;
  const started = Date.now();
  const retained = r.custom && r.retainOnDelete === true;
  try {
    if (r.protect && !item.replaceStep) throw protectedError(r.urn, "delete");
    if (!op.dryRun) {
      await op.runStep(r.urn, async () => {
        op.progress(r.urn, "delete", "start");
        if (r.custom && !retained && r.id) {
          const provider = await op.provider();
          await withPending(op.snapshot, "deleting", r, () => provider.delete({ urn: r.urn, id: r.id!, properties: outputsForProvider(r), oldInputs: r.inputs }));
        }
        op.snapshot.remove(r);
        await op.snapshot.persist();
      });
    }
  } catch (err) {
    if (err instanceof StepCancelledError) throw err; // never started: nothing to report
    const message = messageOf(err);
    if (item.replaceStep) op.progress(r.urn, "delete", "failed", Date.now() - started);
    if (item.replaceStep) item.replaceStep.error = `deleting the replaced resource failed: ${message}`;
    else op.addStep({ urn: r.urn, type: r.type, op: "delete", custom: r.custom, diffs: [], replaceKeys: [], error: message });
    throw err;
  }
  const durationMs = Date.now() - started;
  if (item.replaceStep) {
    const line = formatStepLine({ ...item.replaceStep, op: "delete", durationMs, detailedDiff: undefined, replaceKeys: [] }, op.dryRun);
    op.settings.write(line.replace(/^ -  /, " -- ").replace(/ deleted/, " deleted original") + "\n");
    op.progress(r.urn, "delete", "done", durationMs);
    return;
  }
  op.addStep({ urn: r.urn, type: r.type, op: "delete", custom: r.custom, id: undefined, diffs: [], replaceKeys: [], retained, durationMs });
}

/**
 * Deletes `items` round by round (dependents first; each round concurrently). When a delete fails, the resources
 * it depends on are kept (they are still in use) and the error is recorded; independent deletes go on.
 */
export async function runDeletes(op: Operation, items: DeleteItem[]): Promise<void> {
  const byResource = new Map(items.map((i) => [i.resource, i]));
  const condemned = items.map((i) => i.resource);
  const kept = new Set<ResourceState>();
  for (const round of deletionRounds(condemned)) {
    await Promise.all(
      round.map(async (r) => {
        if (kept.has(r)) {
          op.diagnose("warning", "not deleted: a resource that depends on it could not be deleted", r.urn);
          return;
        }
        try {
          await deleteResource(op, byResource.get(r)!);
        } catch (err) {
          op.fail(err, r.urn);
          for (const dep of transitiveDependencies(r, condemned)) kept.add(dep);
        }
      }),
    );
  }
}
