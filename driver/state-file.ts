/**
 * The stack's state: a local JSON file (a much reduced Pulumi checkpoint) read at the start of an operation and
 * rewritten atomically after every step, so a crash leaves the last consistent snapshot behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sortByDependencies } from "./graph";
import type { PropertyMap } from "./rpc";

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

/** The whole state file. */
export interface StackState {
  version: 1;
  project: string;
  stack: string;
  resources: ResourceState[];
}

/** Reads the state file; a missing file is an empty stack. */
export function loadState(file: string, project: string, stack: string): StackState {
  if (!fs.existsSync(file)) return { version: 1, project, stack, resources: [] };
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as StackState;
  if (parsed.version !== 1 || !Array.isArray(parsed.resources)) {
    throw new Error(`${file} is not a lifecycle-driver state file (version ${String(parsed.version)})`);
  }
  if (parsed.stack !== stack || parsed.project !== project) {
    throw new Error(`${file} holds stack ${parsed.project}/${parsed.stack}, not ${project}/${stack}`);
  }
  return parsed;
}

/** Writes the state atomically (temp file in the same folder, fsync, rename), in dependency order. */
export function saveState(file: string, state: StackState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const ordered: StackState = { ...state, resources: sortByDependencies(state.resources) };
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeFileSync(fd, JSON.stringify(ordered, null, 2) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
