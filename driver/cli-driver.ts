/**
 * The same four operations through the real Pulumi CLI (Automation API, local `file://` backend, empty
 * passphrase), for machines that have `pulumi` on PATH. Untested here: this machine has no Pulumi CLI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineOptions } from "./engine";
import { configEnv, readProjectFile } from "./program";
import type { OperationKind, OperationResult, StepOp, StepResult } from "./types";

/** True when a `pulumi` executable is on PATH. */
export function pulumiCliAvailable(): boolean {
  const exts = process.platform === "win32" ? [".exe", ".cmd", ""] : [""];
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir && exts.some((e) => fs.existsSync(path.join(dir, `pulumi${e}`))));
}

// Why a subset: the CLI's op names that correspond to one of ours (create-/delete-replacement are halves of a replace).
const OPS: Record<string, StepOp | undefined> = {
  create: "create",
  update: "update",
  replace: "replace",
  delete: "delete",
  same: "same",
  refresh: "refresh",
  discard: "delete",
};

type AutomationModule = typeof import("@pulumi/pulumi/automation");
type Stack = Awaited<ReturnType<AutomationModule["LocalWorkspace"]["createOrSelectStack"]>>;
type EngineEvent = import("@pulumi/pulumi/automation").EngineEvent;

/**
 * Runs preview/up/refresh/destroy with the Pulumi CLI. Options as for {@link LifecycleDriver}; the state lives in a
 * file backend in `<stateFile>.backend/` instead of `stateFile` itself. Results carry steps (from engine events),
 * stack outputs and a summary; `diagnostics` is empty (the CLI prints them to `write`).
 */
export class CliLifecycleDriver {
  constructor(readonly options: EngineOptions) {}

  preview(): Promise<OperationResult> {
    return this.run("preview", (stack, onOutput, onEvent) => stack.preview({ onOutput, onEvent, diff: false }));
  }

  up(): Promise<OperationResult> {
    return this.run("up", (stack, onOutput, onEvent) => stack.up({ onOutput, onEvent }));
  }

  refresh(): Promise<OperationResult> {
    return this.run("refresh", (stack, onOutput, onEvent) => stack.refresh({ onOutput, onEvent }));
  }

  destroy(): Promise<OperationResult> {
    return this.run("destroy", (stack, onOutput, onEvent) => stack.destroy({ onOutput, onEvent }));
  }

  private async stack(): Promise<Stack> {
    if (!pulumiCliAvailable()) throw new Error("the Pulumi CLI (`pulumi`) is not on PATH; use LifecycleDriver instead");
    // Why lazy: the automation module is only needed (and only works) when the CLI exists.
    const auto = require("@pulumi/pulumi/automation") as AutomationModule;
    const backend = `${path.resolve(this.options.stateFile)}.backend`;
    fs.mkdirSync(backend, { recursive: true });
    const stack = await auto.LocalWorkspace.createOrSelectStack(
      { stackName: this.options.stack, workDir: this.options.programDir },
      {
        envVars: {
          PULUMI_BACKEND_URL: `file://${backend}`,
          PULUMI_CONFIG_PASSPHRASE: "",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          ...Object.fromEntries(Object.entries(this.options.env ?? {}).filter(([, v]) => v !== undefined)),
        } as Record<string, string>,
      },
    );
    const project = this.options.project ?? readProjectFile(this.options.programDir).name;
    const config = JSON.parse(configEnv(project, this.options.config ?? {})) as Record<string, string>;
    await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])));
    return stack;
  }

  private async run(
    kind: OperationKind,
    op: (stack: Stack, onOutput: (out: string) => void, onEvent: (e: EngineEvent) => void) => Promise<unknown>,
  ): Promise<OperationResult> {
    const started = Date.now();
    const write = this.options.write ?? ((t: string) => process.stdout.write(t));
    const steps: StepResult[] = [];
    const onEvent = (e: EngineEvent) => {
      const meta = kind === "preview" ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata;
      const mapped = meta ? OPS[meta.op] : undefined;
      if (!meta || !mapped) return;
      const name = meta.urn.split("::").slice(3).join("::");
      steps.push({
        urn: meta.urn,
        type: meta.type,
        name,
        op: mapped,
        custom: !!meta.new?.custom || !!meta.old?.custom,
        id: meta.new?.id,
        diffs: meta.diffs ?? [],
        replaceKeys: meta.op === "replace" ? (meta.keys ?? []) : [],
      });
    };
    const stack = await this.stack();
    await op(stack, write, onEvent);
    const outputs = kind === "destroy" ? {} : Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value]));
    const summary: OperationResult["summary"] = {};
    for (const s of steps) summary[s.op] = (summary[s.op] ?? 0) + 1;
    return { kind, steps, outputs, summary, diagnostics: [], durationMs: Date.now() - started };
  }
}
