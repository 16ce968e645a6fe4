/**
 * The step generator and executor of `preview`/`up`: turns each registration of the running program into a
 * create, update, replace or same step (Check, Diff, then Create/Update/Delete on the provider) and answers it.
 */
import type { MonitorHandlers, RegisterResourceReply, RegisterResourceRequest } from "./monitor-server";
import { DeleteItem, protectedError, runDeletes } from "./deletes";
import { dependenciesOf, sortByDependencies } from "./graph";
import { Operation, outputsForProvider, StepCancelledError } from "./operation";
import { changedKeys, diffProperties, displayDiff, hasChanges, ignoreChangesMessage, processIgnoreChanges, PropertyDiff } from "./property-diff";
import { withPending } from "./pending";
import { ResourceInitError } from "./provider-client";
import { PROVIDER_KEY, PropertyMap, UNKNOWN } from "./rpc";
import { filterSecretsOf, isSecret, makeSecret } from "./secrets";
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

/** The engine's warning for `additionalSecretOutputs: ["id"]` (step_executor.go:522-527). */
export const SECRET_ID_WARNING = "The 'id' property cannot be made secret. See pulumi/pulumi#2717 for more details.";

/**
 * The outputs with those named by `additionalSecretOutputs` made secret, as the step executor does to every step's
 * new state (step_executor.go:518-545): present and not yet secret (null too); `id` never; names not present are
 * ignored. Returns a copy when something changed; the plaintexts join the print filter.
 */
export function markSecretOutputs(outputs: PropertyMap, names: string[]): PropertyMap {
  const marked = names.filter((k) => k !== "id" && outputs[k] !== undefined && !isSecret(outputs[k]));
  if (marked.length === 0) return outputs;
  return filterSecretsOf({ ...outputs, ...Object.fromEntries(marked.map((k) => [k, makeSecret(outputs[k])])) });
}

/** A resource's decided step before it runs. */
interface Plan {
  op: "create" | "update" | "replace" | "same";
  diff?: PropertyDiff;
  replaceKeys: string[];
  deleteBeforeReplace: boolean;
  /** Dependents to delete (in this order) before the old resource, when it is deleted before being replaced. */
  dependents?: ResourceState[];
  /** The old resource was already deleted, ahead of a delete-before-replace it depends on: only create. */
  recreate?: boolean;
}

/** Options of a {@link Deployment}: the constraints of `--target` and `--replace`. */
export interface DeploymentOptions {
  /** `--target` URNs; undefined or empty: everything. */
  targets?: string[];
  /** `--replace` URNs. */
  replaces?: string[];
}

/** The engine's error for a targeted resource that needs an untargeted one created (sdk/go/common/diag/errors.go:75-77). */
function untargetedDependencyError(urn: string, dep: string): Error {
  return new Error(`Resource '${urn}' depends on '${dep}' which was was not specified in --target list.`);
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
  /** The live entries at the start in dependency order: the engine's dependency graph of the old snapshot. */
  private readonly oldOrder: ResourceState[];
  /** Old URNs claimed by a registration's alias → the new URN (step_generator.go:655-713, `sg.aliased`). */
  private readonly aliased = new Map<string, string>();
  /**
   * Dependents already deleted because a resource they depend on is replaced delete-first, with the keys that made
   * them replaced; their next registration only creates (step_generator.go:2100-2129 and 1482-1505, "recreating").
   */
  private readonly cascaded = new Map<string, { old: ResourceState; keys: string[] }>();
  /** Untargeted registrations without old state: not created (`SkippedCreateStep`, step_generator.go:1776-1781). */
  private readonly skippedCreates = new Set<string>();
  private readonly targets: Set<string> | undefined;
  private readonly replaceTargets: Set<string>;

  constructor(
    private readonly op: Operation,
    options: DeploymentOptions = {},
  ) {
    const { project, stack } = op.settings;
    this.stackUrn = makeUrn(stack, project, ROOT_STACK_TYPE, `${project}-${stack}`);
    const live = op.snapshot.resources.filter((r) => !r.delete);
    this.olds = new Map(live.map((r) => [r.urn, r]));
    this.oldOrder = sortByDependencies(live);
    this.targets = options.targets && options.targets.length > 0 ? new Set(options.targets) : undefined;
    this.replaceTargets = new Set(options.replaces ?? []);
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
      if (this.aliased.has(r.urn) || this.cascaded.has(r.urn)) continue; // taken over by a registration, or gone
      if (this.targets && !this.targets.has(r.urn)) {
        // --target: an untargeted resource the program dropped is kept, as a same step (step_generator.go:2446-2455).
        if (!r.delete && !this.seen.has(r.urn)) this.op.addStep({ urn: r.urn, type: r.type, op: "same", custom: r.custom, id: r.id, diffs: [], replaceKeys: [] });
        continue;
      }
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
    this.op.admit(urn);
    if (this.seen.has(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
    this.seen.add(urn);
    const old = this.oldResource(urn, req);
    if (!this.isTargeted(urn)) return this.untargeted(urn, req, old);
    for (const dep of dependenciesOf(this.baseState(urn, req, {}))) {
      // step_generator.go:514-536: a targeted step must not need an untargeted resource that was not created.
      if (this.skippedCreates.has(dep)) throw untargetedDependencyError(urn, dep);
    }
    if (!req.custom) return this.component(urn, req, old);
    if (!isDynamic(req)) {
      throw new Error(
        `resource type ${req.type} is not supported: the lifecycle driver runs dynamic-provider resources ` +
          "(pulumi.dynamic.Resource) and components only",
      );
    }
    return this.custom(urn, req, old);
  }

  /**
   * The old state a registration continues: by URN, else by the first of its aliases found in the old state
   * (step_generator.go:655-713, getOldResource). The SDK sends aliases as URNs (`aliasURNs`), since the monitor
   * does not claim the "aliasSpecs" feature.
   */
  private oldResource(urn: string, req: RegisterResourceRequest): ResourceState | undefined {
    const direct = this.olds.get(urn);
    if (direct) return direct;
    for (const alias of req.aliasUrns) {
      const old = this.olds.get(alias);
      if (!old || alias === urn) continue;
      if (this.seen.has(alias)) {
        throw new Error(`Duplicate resource URN '${alias}' conflicting with alias on resource with URN '${urn}'`);
      }
      const previous = this.aliased.get(alias);
      if (previous) throw new Error(`Duplicate resource URN '${alias}' conflicting with alias on resource with URN '${previous}'`);
      this.aliased.set(alias, urn);
      return old;
    }
    return undefined;
  }

  /** `--target`: the root stack is always targeted (step_generator.go:1279-1286); without targets, everything is. */
  private isTargeted(urn: string): boolean {
    return !this.targets || this.targets.has(urn) || parseUrn(urn)?.type === ROOT_STACK_TYPE;
  }

  /**
   * An untargeted registration: with old state it stays as it was (`NewUntargetedSameStep`, no Check or Diff),
   * else it is not created (`SkippedCreateStep`, not written to state) — step_generator.go:1539-1781.
   */
  private async untargeted(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined): Promise<RegisterResourceReply> {
    return this.op.runStep(urn, async () => {
      if (!old) this.skippedCreates.add(urn);
      else if (old.urn !== urn && !this.op.dryRun) {
        this.op.snapshot.replace(old, { ...old, urn });
        await this.op.snapshot.persist();
      }
      this.op.addStep({ urn, type: req.type, op: "same", custom: req.custom, id: old?.id, diffs: [], replaceKeys: [] });
      return { urn, id: old?.id, object: old?.outputs ?? {} };
    }, true);
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

  private component(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined): Promise<RegisterResourceReply> {
    return this.op.runStep(urn, () => this.componentStep(urn, req, old), true);
  }

  private async componentStep(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined): Promise<RegisterResourceReply> {
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
      if (req.importId && (!old || old.id !== req.importId)) {
        old = await this.imported(urn, req, old);
        step.imported = true;
      }
      const cascaded = this.cascaded.get(urn);
      // Why no olds: a resource re-created after a cascade, or replaced by --replace, is checked as new
      // (step_generator.go:1325-1332).
      const fresh = !!cascaded || this.replaceTargets.has(urn);
      let news = req.object;
      if (old && !fresh) {
        const ignored = processIgnoreChanges(req.object, old.inputs, req.ignoreChanges);
        if (ignored.invalid.length > 0) this.op.diagnose("info", ignoreChangesMessage(ignored.invalid), urn);
        news = ignored.inputs;
      }
      const checked = await provider.check({ urn, olds: old && !fresh ? old.inputs : {}, news });
      if (checked.failures.length > 0) throw checkFailureError(req.type, req.name, checked.inputs, checked.failures);
      let inputs = checked.inputs;
      const plan: Plan = cascaded
        ? { op: "replace", diff: displayDiff(cascaded.old.inputs, inputs), replaceKeys: cascaded.keys, deleteBeforeReplace: true, recreate: true }
        : await this.plan(urn, req, old, inputs);
      Object.assign(step, {
        op: plan.op,
        diffs: plan.diff ? changedKeys(plan.diff) : [],
        detailedDiff: plan.diff,
        replaceKeys: plan.replaceKeys,
        deleteBeforeReplace: plan.op === "replace" ? plan.deleteBeforeReplace : undefined,
      });
      // Why "create": an adopted resource enters the state (the engine's "import" op, which StepOp does not have).
      if (step.imported && plan.op === "same") step.op = "create";
      if (plan.op === "replace" && !plan.recreate && old!.protect && req.protect) throw protectedError(urn, "replace");
      if (plan.op === "replace" && !fresh) {
        // Why re-check without olds: a replacement must not inherit defaults computed for the old resource.
        const rechecked = await provider.check({ urn, olds: {}, news: req.object });
        if (rechecked.failures.length > 0) throw checkFailureError(req.type, req.name, rechecked.inputs, rechecked.failures);
        inputs = rechecked.inputs;
      }
      if (plan.op === "replace" && plan.deleteBeforeReplace && !plan.recreate) plan.dependents = await this.dependentReplacements(urn, old!);
      if (req.additionalSecretOutputs.includes("id")) this.op.diagnose("warning", SECRET_ID_WARNING, urn);
      const next = this.baseState(urn, req, inputs);
      const reply = await this.op.runStep(
        urn,
        () => {
          if (plan.op !== "same") this.op.progress(urn, plan.op, "start");
          return this.execute(urn, step, plan, old, next, req.additionalSecretOutputs);
        },
        true,
      );
      step.id = reply.id || undefined;
      step.durationMs = Date.now() - started;
      this.op.addStep(step);
      return reply;
    } catch (err) {
      if (err instanceof StepCancelledError) throw err; // never started: no step to report
      step.error = messageOf(err);
      step.durationMs = Date.now() - started;
      this.op.addStep(step);
      throw err;
    }
  }

  /**
   * The `import` option: the object with that ID is read through the provider and becomes the old state the
   * registration is diffed against — same means adopted as is, a diff updates it (step_generator.go:1120-1210,
   * step.go:1954-2130, ImportStep). Unlike the engine, Read gets the program's inputs as the properties: the
   * dynamic provider needs them to load the provider at all (the real CLI v3.248 fails with "Cannot read properties
   * of undefined (reading 'toJavaScript')"), and a read() needs something to find the object by. A provider that returns no inputs is taken to
   * have the program's.
   */
  private async imported(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined): Promise<ResourceState> {
    if (old) {
      throw new Error(`resource ${urn} already exists with ID '${old.id ?? ""}': importing ID '${req.importId}' over it is not supported; remove the \`import\` option`);
    }
    const provider = await this.op.provider();
    const read = await provider.read({ urn, id: req.importId, properties: req.object, inputs: req.object });
    // step.go:2055-2062: the engine's message for an import of something that is not there.
    if (!read.id) throw new Error(`resource '${req.importId}' does not exist`);
    return { ...this.baseState(urn, req, read.inputs ?? req.object), id: read.id, outputs: read.properties, created: now() };
  }

  /** Diff against the old state; the engine's rules for unknown diffs, init errors and replacement. */
  private async plan(urn: string, req: RegisterResourceRequest, old: ResourceState | undefined, inputs: PropertyMap): Promise<Plan> {
    if (!old) return { op: "create", replaceKeys: [], deleteBeforeReplace: false };
    // --replace: no Diff, the key "id" (step_generator.go:2890-2892); delete first only if the program says so.
    if (this.replaceTargets.has(urn)) {
      return { op: "replace", diff: displayDiff(old.inputs, inputs), replaceKeys: ["id"], deleteBeforeReplace: req.deleteBeforeReplace ?? false };
    }
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
    if (result.changes === "unknown") diff.changedOnly = true; // the engine's own diff: shown as a detailed diff
    if (changes === "some") {
      if (replaces.length > 0 && req.importId) {
        // step_generator.go:1979-2005: a resource that still names an import ID may not be replaced.
        const message =
          "previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program;\n" +
          replaces.map((k) => `${k}: ${JSON.stringify(old.inputs[k])} => ${JSON.stringify(inputs[k])}`).join("\n");
        if (!this.op.dryRun) throw new Error(message);
        this.op.diagnose("warning", message, urn);
      }
      if (replaces.length > 0) {
        return { op: "replace", diff, replaceKeys: replaces, deleteBeforeReplace: req.deleteBeforeReplace ?? result.deleteBeforeReplace };
      }
      return { op: "update", diff, replaceKeys: [], deleteBeforeReplace: false };
    }
    // Why: the engine retries a resource left with init errors (partial create/update) with an update.
    if (old.initErrors && old.initErrors.length > 0) return { op: "update", diff, replaceKeys: [], deleteBeforeReplace: false };
    return { op: "same", replaceKeys: [], deleteBeforeReplace: false };
  }

  /**
   * Runs the planned step; every outputs it records or answers go through `additionalSecretOutputs` (`secretNames`)
   * first, previews and unchanged resources included, as in the engine.
   */
  private async execute(
    urn: string,
    step: StepResult,
    plan: Plan,
    old: ResourceState | undefined,
    next: ResourceState,
    secretNames: string[],
  ): Promise<RegisterResourceReply> {
    const snapshot = this.op.snapshot;
    const secret = (outputs: PropertyMap) => markSecretOutputs(outputs, secretNames);
    if (plan.op === "same") {
      const outputs = secret(old!.outputs);
      const entry: ResourceState = { ...next, id: old!.id, outputs, initErrors: old!.initErrors, created: old!.created, modified: old!.modified };
      if (!this.op.dryRun) {
        snapshot.replace(old!, entry);
        await snapshot.persist();
      }
      return { urn, id: old!.id, object: outputs };
    }
    // Why inputs as outputs: without provider previews the engine answers a preview with the checked inputs.
    if (this.op.dryRun) return { urn, id: plan.op === "update" ? old!.id : undefined, object: secret(next.inputs) };

    const provider = await this.op.provider();
    if (plan.op === "update") {
      try {
        const res = await withPending(snapshot, "updating", next, () => provider.update({ urn, id: old!.id ?? "", olds: outputsForProvider(old!), news: next.inputs, oldInputs: old!.inputs, ignoreChanges: next.ignoreChanges }));
        const outputs = secret(res.properties);
        const entry: ResourceState = { ...next, id: old!.id, outputs, created: old!.created, modified: now() };
        snapshot.replace(old!, entry);
        await snapshot.persist();
        return { urn, id: old!.id, object: outputs };
      } catch (err) {
        if (err instanceof ResourceInitError) {
          snapshot.replace(old!, { ...next, id: old!.id, outputs: this.withProvider(secret(err.properties), next), initErrors: err.reasons, created: old!.created, modified: now() });
          await snapshot.persist();
        }
        throw err;
      }
    }
    if (plan.op === "replace" && plan.deleteBeforeReplace && !plan.recreate) {
      // Dependents first, in reverse dependency order (step_generator.go:2080-2130), then the resource itself.
      for (const dependent of plan.dependents ?? []) await this.deleteOld(dependent);
      await this.deleteOld(old!);
    }
    try {
      const res = await withPending(snapshot, "creating", next, () => provider.create({ urn, properties: next.inputs }));
      const outputs = secret(res.properties);
      const entry: ResourceState = { ...next, id: res.id, outputs, created: now() };
      if (plan.op === "replace" && !plan.deleteBeforeReplace) {
        this.markReplaced(old!, step);
      }
      snapshot.add(entry);
      await snapshot.persist();
      return { urn, id: res.id, object: outputs };
    } catch (err) {
      if (err instanceof ResourceInitError) {
        // Why: the object exists; record it (as the engine does) so the next up can update or replace it.
        if (plan.op === "replace" && !plan.deleteBeforeReplace) this.markReplaced(old!, step);
        snapshot.add({ ...next, id: err.id, outputs: this.withProvider(secret(err.properties), next), initErrors: err.reasons, created: now() });
        await snapshot.persist();
      }
      throw err;
    }
  }

  /** Deletes an old resource ahead of its replacement (the engine's `DeleteReplacementStep`), and drops it from state. */
  private async deleteOld(old: ResourceState): Promise<void> {
    if (old.custom && !old.retainOnDelete) {
      const provider = await this.op.provider();
      await withPending(this.op.snapshot, "deleting", old, () =>
        provider.delete({ urn: old.urn, id: old.id ?? "", properties: outputsForProvider(old), oldInputs: old.inputs }),
      );
    }
    this.op.snapshot.remove(old);
    await this.op.snapshot.persist();
  }

  /**
   * The old resources that must be deleted (and later re-created) before `old` is deleted for a delete-before-
   * replace: its transitive dependents in the old state, not yet registered, whose provider says a change of
   * the inputs that come from the replaced set forces a replacement — returned in reverse dependency order, and
   * remembered so their registrations only create (step_generator.go:3268-3416, calculateDependentReplacements;
   * the walk is the old snapshot's DependingOn, dependency_graph.go:55-120).
   */
  private async dependentReplacements(urn: string, old: ResourceState): Promise<ResourceState[]> {
    const start = this.oldOrder.indexOf(old);
    if (start < 0) return [];
    const dependentSet = new Set([old.urn]);
    const replaceSet = new Set([old.urn]);
    const toReplace: { res: ResourceState; keys: string[] }[] = [];
    for (const candidate of this.oldOrder.slice(start + 1)) {
      // Why skip registered ones: they no longer depend on the resource (step_generator.go:3390-3404).
      if (this.seen.has(candidate.urn) || this.cascaded.has(candidate.urn)) continue;
      const deps = [...(candidate.dependencies ?? []), ...Object.values(candidate.propertyDependencies ?? {}).flat()];
      if (!deps.some((d) => dependentSet.has(d))) continue;
      dependentSet.add(candidate.urn);
      const keys = await this.requiresReplacement(candidate, replaceSet);
      if (keys) {
        toReplace.push({ res: candidate, keys });
        replaceSet.add(candidate.urn);
      }
    }
    const ordered = toReplace.reverse();
    for (const { res, keys } of ordered) {
      if (res.protect) {
        throw new Error(
          `unable to replace resource "${res.urn}" as part of replacing "${urn}" as it is currently marked for protection. ` +
            "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program and run " +
            `\`pulumi up\`, or use the command:\n\`pulumi state unprotect '${res.urn}'\``,
        );
      }
      this.cascaded.set(res.urn, { old: res, keys });
    }
    return ordered.map((r) => r.res);
  }

  /**
   * Whether a dependent must be replaced when the resources in `replaceSet` are: its provider's Diff with the inputs
   * that come from them unknown says so (step_generator.go:3294-3380, requiresReplacement). The replace keys, or
   * undefined.
   */
  private async requiresReplacement(r: ResourceState, replaceSet: Set<string>): Promise<string[] | undefined> {
    if (!r.custom) return undefined;
    let affected = false;
    const inputs: PropertyMap = {};
    for (const [key, value] of Object.entries(r.inputs)) {
      const fromReplaced = (r.propertyDependencies?.[key] ?? []).some((d) => replaceSet.has(d));
      affected ||= fromReplaced;
      inputs[key] = fromReplaced ? UNKNOWN : value;
    }
    if (!affected) return undefined;
    const provider = await this.op.provider();
    const result = await provider.diff({ urn: r.urn, id: r.id ?? "", olds: outputsForProvider(r), news: inputs, oldInputs: r.inputs, ignoreChanges: r.ignoreChanges });
    return result.replaces.length > 0 ? [...result.replaces] : undefined;
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
