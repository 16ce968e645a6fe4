/**
 * A lifecycle driver that stands in for the Pulumi CLI engine: it runs an unmodified Pulumi program with the real
 * `@pulumi/pulumi` runtime and drives its dynamic resources' providers in the real dynamic-provider process.
 *
 * @example
 * const driver = new LifecycleDriver({ programDir, stack: "dev", stateFile: "/tmp/dev.json", config: { mtu: 1500 } });
 * await driver.preview();
 * await driver.up();
 * await driver.refresh();
 * await driver.destroy();
 */
import { EngineOptions, runDestroy, runRefresh, runUpdate } from "./engine";
import { loadState } from "./state-file";
import { readProjectFile } from "./program";
import type { OperationResult, StackState } from "./types";

export type { EngineOptions as LifecycleDriverOptions } from "./engine";
export type { Writer } from "./printer";
export type { PendingOperationState, ResourceState, StackState } from "./types";
export type { Diagnostic, OperationKind, OperationResult, ProgressEvent, StepOp, StepResult } from "./types";
export { OperationError } from "./types";
export type { PropertyDiff } from "./property-diff";
export { MonitorServer } from "./monitor-server";
export type { LogSeverity } from "./monitor-server";
export type { MonitorHandlers, RegisterResourceReply, RegisterResourceRequest } from "./monitor-server";
export { ProviderClient, ProviderError, ResourceInitError, serializeDynamicProvider } from "./provider-client";
export type { ChangeArgs, CheckFailure, CheckResult, DiffResult, ProviderStartOptions, ReadResult } from "./provider-client";
export { PROVIDER_KEY, UNKNOWN } from "./rpc";
export type { PropertyMap } from "./rpc";
export { makeUrn, parseUrn } from "./urn";
export type { ParsedUrn } from "./urn";
import { CliDriverOptions, CliLifecycleDriver } from "./cli-driver";
export { CliLifecycleDriver, findPulumiBin, pulumiCliAvailable } from "./cli-driver";
export type { CliDriverOptions } from "./cli-driver";

/** Runs preview/up/refresh/destroy of one stack of one program, with state in a local JSON file. */
export class LifecycleDriver {
  constructor(readonly options: EngineOptions) {}

  /** Runs the program as a dry run: Check and Diff only; prints and returns the plan. */
  preview(): Promise<OperationResult> {
    return runUpdate(this.options, true);
  }

  /** Runs the program and creates/updates/replaces/deletes resources to match it. */
  up(): Promise<OperationResult> {
    return runUpdate(this.options, false);
  }

  /** Reads every resource in state and records drift (outputs), dropping resources that are gone. */
  refresh(): Promise<OperationResult> {
    return runRefresh(this.options);
  }

  /** Deletes every resource in state, dependents first. */
  destroy(): Promise<OperationResult> {
    return runDestroy(this.options);
  }

  /** The current contents of the state file (an empty stack when there is none yet). */
  state(): StackState {
    const project = this.options.project ?? readProjectFile(this.options.programDir).name;
    return loadState(this.options.stateFile, project, this.options.stack, { programDir: this.options.programDir, env: { ...process.env, ...this.options.env } });
  }
}

/** What the demo and the tests need of a driver: the four Pulumi operations and the state they leave. */
export interface LabDriver {
  preview(): Promise<OperationResult>;
  up(): Promise<OperationResult>;
  refresh(): Promise<OperationResult>;
  destroy(): Promise<OperationResult>;
  state(): StackState;
}

/** Which engine runs a stack: this package's lifecycle driver, or the real Pulumi CLI. */
export type DriverKind = "driver" | "pulumi-cli";

/**
 * The driver to use: this package's lifecycle driver (the real runtime and dynamic-provider host, no CLI), or with
 * `QEMU_LAB_DRIVER=pulumi-cli` the real Pulumi CLI through the Automation API (local file backend).
 */
export function createDriver(
  options: CliDriverOptions,
  kind: DriverKind = process.env.QEMU_LAB_DRIVER === "pulumi-cli" ? "pulumi-cli" : "driver",
): LabDriver {
  return kind === "pulumi-cli" ? new CliLifecycleDriver(options) : new LifecycleDriver(options);
}
