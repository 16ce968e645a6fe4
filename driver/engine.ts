/**
 * The operations: `preview`/`up` run the program against our monitor; `refresh` reads and `destroy` deletes
 * what the state holds. Each operation uses one dynamic-provider process and always cleans up its processes.
 */
import { killAndWait, resolvePulumiDir } from "./child";
import { runDeletes } from "./deletes";
import { Deployment } from "./deployment";
import { MonitorServer } from "./monitor-server";
import { Operation, outputsForProvider } from "./operation";
import type { Writer } from "./printer";
import { configEnv, readProjectFile, startProgram } from "./program";
import { changedKeys, diffProperties, hasChanges, PropertyDiff } from "./property-diff";
import type { ProviderClient } from "./provider-client";
import type { ResourceState } from "./types";
import { PROVIDER_KEY, PropertyMap } from "./rpc";
import { Snapshot } from "./snapshot";
import { reportPendingOperations } from "./pending";
import { configSecretKeys, markSecretConfig } from "./secrets";
import type { OperationKind, OperationResult, ProgressEvent } from "./types";
import { makeUrn, ROOT_STACK_TYPE } from "./urn";
import { messageOf } from "../provider/host/runner/message-of";

/** Options shared by all operations. */
export interface EngineOptions {
  /** Folder with `Pulumi.yaml` and the program (`index.js`/`index.ts` or `main:`). */
  programDir: string;
  stack: string;
  /** Project name; default: `name` from `Pulumi.yaml`. */
  project?: string;
  /** Path of the JSON state file (created on first `up`). */
  stateFile: string;
  /** Stack config as plain values; keys without `ns:` get the project's namespace. */
  config?: Record<string, unknown>;
  /** Where the CLI-like text goes; default: process.stdout. */
  write?: Writer;
  /** Also print debug diagnostics (the provider process's stderr). */
  verbose?: boolean;
  /** Type-check TypeScript programs (ts-node without transpile-only); default false. */
  typeCheck?: boolean;
  /** Extra environment for the program and the provider process. */
  env?: Record<string, string | undefined>;
  /** Kill the program when it runs longer than this; default 10 minutes. */
  programTimeoutMs?: number;
  /**
   * `--target`: only these URNs are created, updated or deleted; other registrations are kept as they are (same)
   * or skipped (not created), as the engine does.
   */
  targets?: string[];
  /** `--replace`: these URNs are replaced even without a diff. */
  replaces?: string[];
  /** `--parallel`: most provider steps at once; default the engine's (4 × CPUs, or `PULUMI_PARALLEL`). */
  parallel?: number;
  /** `up --refresh`: refresh the state before running the program. */
  refreshFirst?: boolean;
  /** Called when a step starts, finishes or fails. */
  onProgress?: (e: ProgressEvent) => void;
  /** First abort: steps in flight finish and are saved, no new ones start, the operation fails as cancelled. */
  signal?: AbortSignal;
}

function setup(options: EngineOptions, kind: OperationKind) {
  const projectFile = readProjectFile(options.programDir);
  const project = options.project ?? projectFile.name;
  const projectFileForRun = { ...projectFile, name: project };
  const pulumiDir = resolvePulumiDir(options.programDir);
  const config = options.config ?? {};
  const configJson = configEnv(project, config);
  // Why all of it, namespaced: since pulumi 3.13x the engine hands dynamic providers the whole stack config
  // (Configure args and PULUMI_CONFIG), and `configure(req)`'s `req.config.get("k")` looks up "project:k".
  const providerConfig = markSecretConfig(JSON.parse(configJson) as PropertyMap, configSecretKeys(project, config));
  // Why the options' env too: a caller may give the passphrase there, as it does the program's other variables.
  const env = { ...process.env, ...options.env };
  const snapshot = Snapshot.load(options.stateFile, project, options.stack, kind === "preview", { programDir: options.programDir, providerConfig, env });
  const op = new Operation({
    kind,
    project,
    stack: options.stack,
    programDir: options.programDir,
    pulumiDir,
    snapshot,
    write: options.write ?? ((text) => process.stdout.write(text)),
    verbose: options.verbose ?? false,
    providerConfig,
    providerEnv: {
      PULUMI_NODEJS_PROJECT: project,
      PULUMI_NODEJS_STACK: options.stack,
      PULUMI_NODEJS_ORGANIZATION: "organization",
      PULUMI_CONFIG: configJson,
      ...options.env,
    },
    parallel: options.parallel,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  if (!options.refreshFirst) reportPendingOperations(op); // `up --refresh` warns of none (deployment_executor.go:165-188)
  return { op, project: projectFileForRun, pulumiDir, configJson };
}

/** Runs the program for a preview (`dryRun`) or an up. */
export async function runUpdate(options: EngineOptions, dryRun: boolean): Promise<OperationResult> {
  const { op, project, pulumiDir, configJson } = setup(options, dryRun ? "preview" : "up");
  op.printer.header();
  op.outputs = op.stackOutputs(); // Why: a program that fails before registering outputs leaves the old ones.
  if (options.refreshFirst) {
    // `up --refresh`: the refresh runs first, in the same operation; a failed refresh ends it.
    await refreshAll(op);
    if (op.errors.length > 0) {
      await op.close();
      return op.finish();
    }
  }
  const deployment = new Deployment(op, { targets: options.targets, replaces: options.replaces });
  const stackUrn = makeUrn(options.stack, project.name, ROOT_STACK_TYPE, `${project.name}-${options.stack}`);
  let monitor: MonitorServer | undefined;
  let program: ReturnType<typeof startProgram> | undefined;
  try {
    op.provider().catch(() => undefined); // Why now: the provider starts while the program loads (~2 s each).
    monitor = await MonitorServer.start(deployment);
    program = startProgram({
      programDir: options.programDir,
      project,
      stack: options.stack,
      monitorAddress: monitor.address,
      dryRun,
      configJson,
      pulumiDir,
      typeCheck: options.typeCheck,
      env: { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(configSecretKeys(project.name, options.config ?? {})), ...options.env },
      onStdout: (line) => op.diagnose("info", line, stackUrn),
      onStderr: (line) => op.diagnose("info", line, stackUrn),
    });
    const timeoutMs = options.programTimeoutMs ?? 600_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const code = await Promise.race([program.exited, timedOut]);
    clearTimeout(timer);
    if (code === "timeout") {
      await killAndWait(program.child);
      op.fail(new Error(`the program did not finish within ${timeoutMs} ms and was killed`));
    }
    await deployment.settle();
    if (code !== 0 && code !== "timeout" && op.errors.length === 0) {
      const logged = op.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
      op.fail(new Error(`the program failed (exit code ${code})${logged.length ? `:\n${logged.join("\n")}` : ""}`));
    }
    // Why only on success: the engine never deletes resources a failed program may simply not have reached.
    if (code === 0 && op.errors.length === 0) await deployment.deleteLeftovers();
  } catch (err) {
    op.fail(err);
  } finally {
    if (program) await killAndWait(program.child);
    await monitor?.close();
    await op.close();
  }
  return op.finish();
}

/** Reads every resource in state, records what changed outside Pulumi, drops what is gone. */
export async function runRefresh(options: EngineOptions): Promise<OperationResult> {
  const { op } = setup(options, "refresh");
  op.printer.header();
  return settle(op, () => refreshAll(op));
}

/** The refresh steps: each resource in state read (within `parallel`; none started after a failure). */
async function refreshAll(op: Operation): Promise<void> {
  await Promise.all(
    [...op.snapshot.resources].map((r) =>
      op.runStep(r.urn, () => refreshOne(op, r)).catch((err: unknown) => op.fail(err, r.urn)),
    ),
  );
}

/** One refresh step: Read, then drop the resource (gone), or record what was read and whether it drifted. */
async function refreshOne(op: Operation, r: ResourceState): Promise<void> {
  const started = Date.now();
  if (!r.custom || !r.id) {
    op.addStep({ urn: r.urn, type: r.type, op: "same", custom: r.custom, id: r.id, diffs: [], replaceKeys: [] });
    return;
  }
  try {
    const provider = await op.provider();
    const res = await provider.read({ urn: r.urn, id: r.id, properties: outputsForProvider(r), inputs: r.inputs });
    if (!res.id) {
      op.snapshot.remove(r);
      await op.snapshot.persist();
      op.addStep({ urn: r.urn, type: r.type, op: "delete", custom: true, diffs: [], replaceKeys: [], durationMs: Date.now() - started });
      return;
    }
    const diff = diffProperties(r.outputs, res.properties, [PROVIDER_KEY]);
    const newInputs = res.inputs ?? r.inputs;
    op.snapshot.replace(r, { ...r, id: res.id, outputs: res.properties, inputs: newInputs });
    await op.snapshot.persist();
    const drifted = await refreshDrifted(provider, r, res.id, res.properties, newInputs, diff);
    op.addStep({
      urn: r.urn,
      type: r.type,
      op: drifted ? "refresh" : "same",
      custom: true,
      id: res.id,
      diffs: drifted ? changedKeys(diff) : [],
      detailedDiff: drifted ? diff : undefined,
      replaceKeys: [],
      durationMs: Date.now() - started,
    });
  } catch (err) {
    const message = messageOf(err);
    op.addStep({ urn: r.urn, type: r.type, op: "refresh", custom: true, id: r.id, diffs: [], replaceKeys: [], error: message });
    op.fail(err, r.urn);
  }
}

/**
 * Whether a refresh found drift, by the engine's rule (pkg/resource/deploy/step.go, RefreshStep.Apply): the diff
 * an `up` of the unchanged program would make right after the refresh — the provider's Diff of the recorded inputs
 * against what was read. So outputs that changed where the program sets nothing (an unmanaged property) are
 * recorded but are not drift. A provider that cannot diff falls back to comparing the outputs.
 */
async function refreshDrifted(
  provider: ProviderClient,
  old: ResourceState,
  id: string,
  outputs: PropertyMap,
  inputs: PropertyMap,
  outputDiff: PropertyDiff,
): Promise<boolean> {
  const result = await provider.diff({ urn: old.urn, id, olds: outputsForProvider({ outputs, inputs }), news: old.inputs, oldInputs: inputs, ignoreChanges: old.ignoreChanges });
  return result.changes === "unknown" ? hasChanges(outputDiff) : result.changes === "some";
}

/** Deletes everything in state in reverse dependency order. */
export async function runDestroy(options: EngineOptions): Promise<OperationResult> {
  const { op } = setup(options, "destroy");
  op.printer.header();
  return settle(op, () => runDeletes(op, op.snapshot.resources.map((resource) => ({ resource }))));
}

/** Runs a state-only operation's body, then records the stack outputs, closes the operation and returns its result. */
async function settle(op: Operation, body: () => Promise<void>): Promise<OperationResult> {
  try {
    await body();
    op.outputs = op.stackOutputs();
  } catch (err) {
    op.fail(err);
  } finally {
    await op.close();
  }
  return op.finish();
}
