/**
 * The stack's state file: a local JSON file (a much reduced Pulumi checkpoint) read at the start of an operation and
 * rewritten atomically after every step, so a crash leaves the last consistent snapshot behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sortByDependencies } from "./graph";
import type { StackState } from "./types";

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
