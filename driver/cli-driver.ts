/**
 * The same four operations through the real Pulumi CLI (Automation API, local `file://` backend), returning the
 * same {@link OperationResult} and {@link StackState} shapes as the lifecycle driver, so tests and the demo can run
 * either and compare them.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cliStepResults, CliEvent } from "./cli-events";
import type { EngineOptions } from "./engine";
import { configEnv, readProjectFile } from "./program";
import type { PropertyMap } from "./rpc";
import { Diagnostic, OperationError, OperationKind, OperationResult, ResourceState, StackState } from "./types";

type AutomationModule = typeof import("@pulumi/pulumi/automation");
type Stack = Awaited<ReturnType<AutomationModule["LocalWorkspace"]["createOrSelectStack"]>>;

/** Options of {@link CliLifecycleDriver}: the lifecycle driver's, plus where the CLI is. */
export interface CliDriverOptions extends EngineOptions {
  /** Folder holding `pulumi` (and `pulumi-language-nodejs`); default `$QEMU_LAB_PULUMI_BIN`, else `pulumi` on PATH. */
  pulumiBin?: string;
  /** Run refresh with `--diff`, so the transcript shows the engine's property diff of the drift; default true. */
  refreshDiff?: boolean;
}

/** The folder of the `pulumi` executable that will be used, or undefined when there is none. */
export function findPulumiBin(explicit?: string): string | undefined {
  const dirs = [explicit, process.env.QEMU_LAB_PULUMI_BIN, ...(process.env.PATH ?? "").split(path.delimiter)];
  return dirs.find((dir) => dir && fs.existsSync(path.join(dir, "pulumi")));
}

/** True when a `pulumi` executable is on PATH (or in `$QEMU_LAB_PULUMI_BIN`). */
export function pulumiCliAvailable(): boolean {
  return findPulumiBin() !== undefined;
}

/**
 * Runs preview/up/refresh/destroy with the Pulumi CLI. The state lives in a file backend in `<stateFile>.backend/`
 * (with its own `PULUMI_HOME`, so `~/.pulumi` is never touched); stack config is written by the CLI to
 * `Pulumi.<stack>.yaml` in the program folder, removed again by {@link CliLifecycleDriver.removeStack}.
 */
export class CliLifecycleDriver {
  private readonly backend: string;
  private readonly project: string;

  constructor(readonly options: CliDriverOptions) {
    this.backend = `${path.resolve(options.stateFile)}.backend`;
    this.project = options.project ?? readProjectFile(options.programDir).name;
  }

  preview(): Promise<OperationResult> {
    return this.run("preview", (stack, onOutput, onEvent) => stack.preview({ onOutput, onEvent, signal: this.deadline(), ...this.updateFlags() }));
  }

  up(): Promise<OperationResult> {
    return this.run("up", (stack, onOutput, onEvent) => stack.up({ onOutput, onEvent, signal: this.deadline(), ...this.updateFlags() }));
  }

  refresh(): Promise<OperationResult> {
    if (this.options.refreshDiff === false) return this.run("refresh", (stack, onOutput, onEvent) => stack.refresh({ onOutput, onEvent, signal: this.deadline() }));
    // Why the command itself: the Automation API's refresh has no `--diff`, and only with it does the engine print
    // the property-level diff of what drifted. The event log is the one the Automation API reads, read afterwards.
    return this.run("refresh", async (stack, onOutput, onEvent) => {
      const log = path.join(this.backend, `refresh-${process.pid}-${Date.now()}.events.jsonl`);
      const args = ["refresh", "--yes", "--skip-preview", "--diff", "--event-log", log, "--stack", this.options.stack];
      try {
        await runCli(path.join(findPulumiBin(this.options.pulumiBin)!, "pulumi"), args, this.options.programDir, stack.workspace.envVars, onOutput, this.deadline());
      } finally {
        const lines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
        for (const line of lines) onEvent(JSON.parse(line) as CliEvent);
        fs.rmSync(log, { force: true });
      }
    });
  }

  destroy(): Promise<OperationResult> {
    return this.run("destroy", (stack, onOutput, onEvent) => stack.destroy({ onOutput, onEvent, signal: this.deadline() }));
  }

  /** `--target`, `--replace`, `--parallel` and `--refresh` from the options, as the Automation API takes them. */
  private updateFlags(): { target?: string[]; replace?: string[]; parallel?: number; refresh?: boolean } {
    const { targets, replaces, parallel, refreshFirst } = this.options;
    return { target: targets, replace: replaces, parallel, refresh: refreshFirst };
  }

  /**
   * Asks a CLI run that takes longer than `programTimeoutMs` (default 10 minutes) to stop (SIGINT): pulumi then finishes
   * the steps in flight and saves, so the deadline bounds when cancelling starts, not when the run ends.
   */
  private deadline(): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.programTimeoutMs ?? 600_000);
    // Why also the caller's signal: an abort is a Ctrl-C for the CLI too (it finishes the steps in flight and saves).
    return this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
  }

  /** The stack's checkpoint as the CLI last wrote it, in the lifecycle driver's shape (default providers left out). */
  state(): StackState {
    const file = path.join(this.backend, ".pulumi", "stacks", this.project, `${this.options.stack}.json`);
    const empty: StackState = { version: 1, project: this.project, stack: this.options.stack, resources: [] };
    if (!fs.existsSync(file)) return empty;
    const checkpoint = JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint?: { latest?: { resources?: CheckpointResource[] } } };
    const resources = (checkpoint.checkpoint?.latest?.resources ?? []).filter((r) => !r.type.startsWith("pulumi:providers:"));
    return { ...empty, resources: resources.map(fromCheckpoint) };
  }

  /** Removes the stack from the backend and its `Pulumi.<stack>.yaml` from the program folder (after a destroy). */
  async removeStack(): Promise<void> {
    const stack = await this.stack(false);
    await stack.workspace.removeStack(this.options.stack, { force: true } as never).catch(() => undefined);
    fs.rmSync(path.join(this.options.programDir, `Pulumi.${this.options.stack}.yaml`), { force: true });
  }

  private async stack(withConfig = true): Promise<Stack> {
    const bin = findPulumiBin(this.options.pulumiBin);
    if (!bin) throw new Error("the Pulumi CLI (`pulumi`) was not found (PATH, $QEMU_LAB_PULUMI_BIN); build it with scripts/install-pulumi-cli.sh");
    // Why lazy: the automation module is only needed (and only works) when the CLI exists.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the CLI is used
    const auto = require("@pulumi/pulumi/automation") as AutomationModule;
    fs.mkdirSync(path.join(this.backend, ".home"), { recursive: true });
    const pulumiCommand = await auto.PulumiCommand.get({ root: path.dirname(bin) });
    const extra = Object.fromEntries(Object.entries(this.options.env ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const stack = await auto.LocalWorkspace.createOrSelectStack(
      { stackName: this.options.stack, workDir: this.options.programDir },
      {
        pulumiCommand,
        envVars: {
          // Why the CLI's folder first: the engine finds the language host and the dynamic-provider plugin there.
          PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
          PULUMI_BACKEND_URL: `file://${this.backend}`,
          PULUMI_HOME: path.join(this.backend, ".home"),
          PULUMI_CONFIG_PASSPHRASE: "",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          ...extra,
        },
      },
    );
    if (withConfig) {
      const config = JSON.parse(configEnv(this.project, this.options.config ?? {})) as Record<string, string>;
      await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])));
    }
    return stack;
  }

  private async run(
    kind: OperationKind,
    op: (stack: Stack, onOutput: (out: string) => void, onEvent: (e: CliEvent) => void) => Promise<unknown>,
  ): Promise<OperationResult> {
    const started = Date.now();
    const write = this.options.write ?? ((t: string) => process.stdout.write(t));
    const events: CliEvent[] = [];
    const stack = await this.stack();
    let failure: unknown;
    await op(stack, write, (e) => events.push(e)).catch((err: unknown) => (failure = err));
    const { steps, diagnostics, previewOutputs } = cliStepResults(kind, events);
    let outputs: PropertyMap = {};
    if (kind === "preview") outputs = previewOutputs;
    else if (kind !== "destroy") {
      // Why the catch: after a failed run the outputs are a courtesy; the failure itself is what is reported.
      const recorded = await stack.outputs().catch(() => ({}) as Awaited<ReturnType<Stack["outputs"]>>);
      outputs = Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, v.value]));
    }
    const summary: OperationResult["summary"] = {};
    for (const s of steps) if (!s.error) summary[s.op] = (summary[s.op] ?? 0) + 1;
    const result: OperationResult = { kind, steps, outputs, summary, diagnostics, durationMs: Date.now() - started };
    if (failure !== undefined) throw new OperationError(errorsOf(diagnostics, failure), result);
    return result;
  }
}

/** Runs one `pulumi` command (non-interactive), streaming its output; rejects with its output on a non-zero exit. */
function runCli(
  pulumi: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  onOutput: (text: string) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Why PULUMI_DEBUG_COMMANDS: it enables `--event-log` (as the Automation API does for its own runs).
    const childEnv = { ...process.env, ...env, PULUMI_DEBUG_COMMANDS: "true" };
    // SIGINT, as the Automation API stops its runs: pulumi cancels gracefully and releases the stack's lock (SIGTERM
    // would end it outright, leaving the lock and half-done steps behind).
    const child = spawn(pulumi, [...args, "--non-interactive"], { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGINT" });
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => onOutput(b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${args[0]} exited with code ${code}: ${stderr.trim()}`))));
  });
}

/** The errors of a failed CLI run: the engine's error diagnostics, else the CLI's own message. */
function errorsOf(diagnostics: Diagnostic[], failure: unknown): Error[] {
  const errors = diagnostics.filter((d) => d.severity === "error").map((d) => new Error(d.message.trim()));
  return errors.length > 0 ? errors : [failure instanceof Error ? failure : new Error(String(failure))];
}

/** One resource of a Pulumi checkpoint (deployment v3): the driver's fields, most optional, and more of its own. */
type CheckpointResource = Partial<ResourceState> & Pick<ResourceState, "urn" | "type" | "custom">;

function fromCheckpoint(r: CheckpointResource): ResourceState {
  return {
    ...r,
    id: r.id || undefined,
    inputs: r.inputs ?? {},
    outputs: r.outputs ?? {},
    dependencies: r.dependencies ?? [],
    propertyDependencies: r.propertyDependencies ?? {},
  };
}
