/**
 * The step generator and executor of `preview`/`up`: turns each registration of the running program into a
 * create, update, replace or same step (Check, Diff, then Create/Update/Delete on the provider) and answers it.
 */
import type { MonitorHandlers, RegisterResourceReply, RegisterResourceRequest } from "./monitor-server";
import { DeleteItem, protectedError, runDeletes } from "./deletes";
import { Operation, outputsForProvider } from "./operation";
import { applyIgnoreChanges, changedKeys, diffProperties, displayDiff, hasChanges, PropertyDiff } from "./property-diff";
import { ResourceInitError } from "./provider-client";
import { PROVIDER_KEY, PropertyMap } from "./rpc";
import type { ResourceState } from "./types";
import type { StepResult } from "./types";
import { makeUrn, parseUrn, ROOT_STACK_TYPE } from "./urn";
import { messageOf } from "../provider/host/runner/message-of";

/** Registrations of custom resources this driver can run: `pulumi.dynamic.Resource` subclasses. */
function isDynamic(req: RegisterResourceRequest): boolean {
  return req.type.startsWith("pulumi-nodejs:dynamic") && typeof req.object[PROVIDER_KEY] === "string";
}

function now(): string {
  return new Date().toISOString();
}

/** The engine's message for Check failures. */
function checkFailureError(type: string, name: string, inputs: PropertyMap, failures: { property: string; reason: string }[]): Error {
  return new Error(
    failures
      .map((f) =>
        f.property
          ? `${type} resource '${name}': property ${f.property} value ${JSON.stringify(inputs[f.property])} has a problem: ${f.reason}`
          : `${type} resource '${name}' has a problem: ${f.reason}`,
      )
      .join("\n"),
  );
}

/** A resource's decided step before it runs. */
interface Plan {
  op: "create" | "update" | "replace" | "same";
  diff?: PropertyDiff;
  replaceKeys: string[];
  deleteBeforeReplace: boolean;
}

/** Handles one program run's registrations for a preview or an up. */
export class Deployment implements MonitorHandlers {
  private readonly seen = new Set<string>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Old halves of create-before-delete replacements, deleted after the program finishes. */
  private readonly replaced: DeleteItem[] = [];
  /** Live entries at the start, by URN (what the program's registrations are matched against). */
  private readonly olds: Map<string, ResourceState>;

  private readonly stackUrn: string;

  constructor(private readonly op: Operation) {
    const { project, stack } = op.settings;
    this.stackUrn = makeUrn(stack, project, ROOT_STACK_TYPE, `${project}-${stack}`);
    this.olds = new Map(op.snapshot.resources.filter((r) => !r.delete).map((r) => [r.urn, r]));
  }

  /** MonitorHandlers: runs the step for a registration and answers with URN, ID and outputs. */
  registerResource(req: RegisterResourceRequest): Promise<RegisterResourceReply> {
    const urn = makeUrn(this.op.settings.stack, this.op.settings.project, req.type, req.name, req.parent || undefined);
    const work = this.register(urn, req).catch((err: unknown) => {
      this.op.fail(err, urn);
      throw err;
    });
    this.track(work);
    return work;
  }

  /** MonitorHandlers: stack outputs and component outputs. */
  async registerResourceOutputs(urn: string, outputs: PropertyMap): Promise<void> {
    if (parseUrn(urn)?.type === ROOT_STACK_TYPE) this.op.outputs = outputs;
    const entry = this.op.snapshot.find(urn);
    if (entry && !entry.custom && !this.op.dryRun) {
      this.op.snapshot.replace(entry, { ...entry, outputs });
      await this.op.snapshot.persist();
    }
  }

  /** MonitorHandlers: program log messages become diagnostics. */
  log(severity: "debug" | "info" | "warning" | "error", message: string, urn: string): void {
    // Why the stack: the engine attributes a program's resource-less messages to the root stack.
    this.op.diagnose(severity, message, urn || this.stackUrn);
  }

  /** Waits for every registration still being handled (e.g. after the program crashed). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * After a successful program run: deletes what the program no longer registers, the old halves of this run's
   * replacements and pending deletes left by earlier runs, in reverse dependency order. Previews only report them.
   */
  async deleteLeftovers(): Promise<void> {
    const items: DeleteItem[] = [...this.replaced];
    for (const r of this.op.snapshot.resources) {
      if (items.some((i) => i.resource === r)) continue;
      if (r.delete || !this.seen.has(r.urn)) items.push({ resource: r });
    }
    await runDeletes(this.op, items);
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    );
  }

  private async register(urn: string, req: RegisterResourceRequest): Promise<RegisterResourceReply> {
    if (this.seen.has(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
    this.seen.add(urn);
    const old = this.olds.get(urn);
    if (!req.custom) return this.component(urn, req, old);
    if (!isDynamic(req)) {
      throw new Error(
        `resource type ${req.type} is not supported: the lifecycle driver runs dynamic-provider resources ` +
          "(pulumi.dynamic.Resource) and components only",
      );
    }
    return this.custom(urn, req, old);
  }

  private baseState(urn: string, req: RegisterResourceRequest, inputs: PropertyMap): ResourceState {
    return {
      urn,
      type: req.type,
      custom: req.custom,
      inputs,
      outputs: {},
      parent: req.parent || undefined,
      dependencies: req.dependencies,
      propertyDependencies: req.propertyDependencies,
      protect: req.protect || undefined,
      retainOnDelete: req.retainOnDelete || undefined,
      deleteBeforeReplace: req.deleteBeforeReplace,
      ignoreChanges: req.ignoreChanges.length > 0 ? req.ignoreChanges : undefined,
    };
  }

  private async component(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined): Promise<RegisterResourceReply> {
    const started = Date.now();
    const next: ResourceState = { ...this.baseState(urn, req, req.object), outputs: old?.outputs ?? {}, created: old?.created ?? now() };
    const diff = old ? diffProperties(old.inputs, req.object) : undefined;
    const op = !old ? "create" : diff && hasChanges(diff) ? "update" : "same";
    if (!this.op.dryRun) {
      if (old) this.op.snapshot.replace(old, next);
      else this.op.snapshot.add(next);
      await this.op.snapshot.persist();
    }
    this.op.addStep({ urn, type: req.type, op, custom: false, diffs: diff ? changedKeys(diff) : [], detailedDiff: diff, replaceKeys: [], durationMs: Date.now() - started });
    return { urn, object: old?.outputs ?? {} };
  }

  private async custom(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined): Promise<RegisterResourceReply> {
    const started = Date.now();
    // Why a step before planning: a failing Check or Diff still shows up as a failed step of the resource.
    const step: StepResult = { urn, type: req.type, name: req.name, op: old ? "update" : "create", custom: true, diffs: [], replaceKeys: [] };
    try {
      const provider = await this.op.provider();
      const news = old ? applyIgnoreChanges(req.object, old.inputs, req.ignoreChanges) : req.object;
      const checked = await provider.check({ urn, olds: old?.inputs ?? {}, news });
      if (checked.failures.length > 0) throw checkFailureError(req.type, req.name, checked.inputs, checked.failures);
      let inputs = checked.inputs;
      const plan = await this.plan(urn, req, old, inputs);
      Object.assign(step, {
        op: plan.op,
        diffs: plan.diff ? changedKeys(plan.diff) : [],
        detailedDiff: plan.diff,
        replaceKeys: plan.replaceKeys,
        deleteBeforeReplace: plan.op === "replace" ? plan.deleteBeforeReplace : undefined,
      });
      if (plan.op === "replace") {
        if (old!.protect && req.protect) throw protectedError(urn, "replace");
        // Why re-check without olds: a replacement must not inherit defaults computed for the old resource.
        const rechecked = await provider.check({ urn, olds: {}, news: req.object });
        if (rechecked.failures.length > 0) throw checkFailureError(req.type, req.name, rechecked.inputs, rechecked.failures);
        inputs = rechecked.inputs;
      }
      const reply = await this.execute(urn, step, plan, old, this.baseState(urn, req, inputs));
      step.id = reply.id || undefined;
      step.durationMs = Date.now() - started;
      this.op.addStep(step);
      return reply;
    } catch (err) {
      step.error = messageOf(err);
      step.durationMs = Date.now() - started;
      this.op.addStep(step);
      throw err;
    }
  }

  /** Diff against the old state; the engine's rules for unknown diffs, init errors and replacement. */
  private async plan(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined, inputs: PropertyMap): Promise<Plan> {
    if (!old) return { op: "create", replaceKeys: [], deleteBeforeReplace: false };
    const provider = await this.op.provider();
    const result = await provider.diff({
      urn,
      id: old.id ?? "",
      olds: outputsForProvider(old),
      news: inputs,
      oldInputs: old.inputs,
      ignoreChanges: req.ignoreChanges,
    });
    let changes = result.changes;
    let changed = result.diffs;
    // Why: a provider without `diff` answers "unknown"; the engine then compares old and new inputs itself.
    if (changes === "unknown") {
      const legacy = diffProperties(old.inputs, inputs);
      changes = hasChanges(legacy) ? "some" : "none";
      changed = changedKeys(legacy);
    }
    // Why only provider-reported keys: the engine applies replaceOnChanges to ChangedKeys, which the dynamic
    // provider never reports — so, as with the real CLI, it only acts for providers without a `diff` method.
    const replaces = [...result.replaces];
    for (const key of changed) {
      if (!replaces.includes(key) && req.replaceOnChanges.some((p) => p === "*" || p === key)) replaces.push(key);
    }
    let diff = displayDiff(old.inputs, inputs);
    if (!hasChanges(diff)) {
      // Why: drift repair (outputs refreshed away from unchanged inputs) is explained by the outputs that differ.
      const outs = outputsForProvider(old);
      diff = displayDiff(Object.fromEntries(Object.keys(inputs).map((k) => [k, outs[k]])), inputs);
    }
    if (changes === "some") {
      if (replaces.length > 0) {
        return { op: "replace", diff, replaceKeys: replaces, deleteBeforeReplace: req.deleteBeforeReplace ?? result.deleteBeforeReplace };
      }
      return { op: "update", diff, replaceKeys: [], deleteBeforeReplace: false };
    }
    // Why: the engine retries a resource left with init errors (partial create/update) with an update.
    if (old.initErrors && old.initErrors.length > 0) return { op: "update", diff, replaceKeys: [], deleteBeforeReplace: false };
    return { op: "same", replaceKeys: [], deleteBeforeReplace: false };
  }

  private async execute(urn: string, step: StepResult, plan: Plan, old: ResourceState | undefined, next: ResourceState): Promise<RegisterResourceReply> {
    const snapshot = this.op.snapshot;
    if (plan.op === "same") {
      const entry: ResourceState = { ...next, id: old!.id, outputs: old!.outputs, initErrors: old!.initErrors, created: old!.created, modified: old!.modified };
      if (!this.op.dryRun) {
        snapshot.replace(old!, entry);
        await snapshot.persist();
      }
      return { urn, id: old!.id, object: old!.outputs };
    }
    // Why inputs as outputs: without provider previews the engine answers a preview with the checked inputs.
    if (this.op.dryRun) return { urn, id: plan.op === "update" ? old!.id : undefined, object: next.inputs };

    const provider = await this.op.provider();
    if (plan.op === "update") {
      try {
        const res = await provider.update({ urn, id: old!.id ?? "", olds: outputsForProvider(old!), news: next.inputs, oldInputs: old!.inputs, ignoreChanges: next.ignoreChanges });
        const entry: ResourceState = { ...next, id: old!.id, outputs: res.properties, created: old!.created, modified: now() };
        snapshot.replace(old!, entry);
        await snapshot.persist();
        return { urn, id: old!.id, object: res.properties };
      } catch (err) {
        if (err instanceof ResourceInitError) {
          snapshot.replace(old!, { ...next, id: old!.id, outputs: this.withProvider(err.properties, next), initErrors: err.reasons, created: old!.created, modified: now() });
          await snapshot.persist();
        }
        throw err;
      }
    }
    if (plan.op === "replace" && plan.deleteBeforeReplace) {
      if (!(old!.custom && old!.retainOnDelete)) {
        await provider.delete({ urn, id: old!.id ?? "", properties: outputsForProvider(old!), oldInputs: old!.inputs });
      }
      snapshot.remove(old!);
      await snapshot.persist();
    }
    try {
      const res = await provider.create({ urn, properties: next.inputs });
      const entry: ResourceState = { ...next, id: res.id, outputs: res.properties, created: now() };
      if (plan.op === "replace" && !plan.deleteBeforeReplace) {
        this.markReplaced(old!, step);
      }
      snapshot.add(entry);
      await snapshot.persist();
      return { urn, id: res.id, object: res.properties };
    } catch (err) {
      if (err instanceof ResourceInitError) {
        // Why: the object exists; record it (as the engine does) so the next up can update or replace it.
        if (plan.op === "replace" && !plan.deleteBeforeReplace) this.markReplaced(old!, step);
        snapshot.add({ ...next, id: err.id, outputs: this.withProvider(err.properties, next), initErrors: err.reasons, created: now() });
        await snapshot.persist();
      }
      throw err;
    }
  }

  /** Marks the old half of a create-before-delete replacement for deletion after the program finishes. */
  private markReplaced(old: ResourceState, step: StepResult): void {
    const pending: ResourceState = { ...old, delete: true };
    this.op.snapshot.replace(old, pending);
    this.replaced.push({ resource: pending, replaceStep: step });
  }

  private withProvider(properties: PropertyMap, next: ResourceState): PropertyMap {
    return outputsForProvider({ outputs: properties, inputs: next.inputs });
  }
}
