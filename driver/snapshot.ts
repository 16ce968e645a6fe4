/**
 * The in-memory state of a running operation, persisted to the state file after every change.
 */
import { loadState, saveState } from "./state-file";
import type { ResourceState, StackState } from "./types";

/** The longest a finished step waits before the state file records it. */
export const WRITE_INTERVAL_MS = 250;

/** Mutable resource list of an operation; writes are serialized and coalesced. */
export class Snapshot {
  /** Current entries (old ones not yet touched, new ones, and pending deletes). */
  readonly resources: ResourceState[];
  private dirty = false;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  private writeError: Error | undefined;

  private constructor(
    private readonly file: string | undefined,
    private readonly project: string,
    private readonly stack: string,
    initial: ResourceState[],
  ) {
    this.resources = initial.map((r) => ({ ...r }));
  }

  /** Loads the state file; with `readOnly` (previews) nothing is ever written back. */
  static load(file: string, project: string, stack: string, readOnly: boolean): Snapshot {
    const state = loadState(file, project, stack);
    return new Snapshot(readOnly ? undefined : file, project, stack, state.resources);
  }

  /** The live (not pending-delete) entry for a URN. */
  find(urn: string): ResourceState | undefined {
    return this.resources.find((r) => r.urn === urn && !r.delete);
  }

  /** Adds an entry. */
  add(entry: ResourceState): void {
    this.resources.push(entry);
  }

  /** Replaces `old` (by identity) with `next`, or adds `next` when `old` is no longer there. */
  replace(old: ResourceState, next: ResourceState): void {
    const i = this.resources.indexOf(old);
    if (i >= 0) this.resources[i] = next;
    else this.resources.push(next);
  }

  /** Removes an entry (by identity). */
  remove(entry: ResourceState): void {
    const i = this.resources.indexOf(entry);
    if (i >= 0) this.resources.splice(i, 1);
  }

  /** The state as it would be written now. */
  toState(): StackState {
    return { version: 1, project: this.project, stack: this.stack, resources: this.resources.map((r) => ({ ...r })) };
  }

  /**
   * Schedules an atomic write of the current state (no-op when read-only) and returns at once. Writes are coalesced:
   * at most one every {@link WRITE_INTERVAL_MS} (rewriting the whole file after every step made large stacks
   * quadratic); `flush` writes at once, at the end of every operation.
   */
  persist(): Promise<void> {
    if (!this.file) return Promise.resolve();
    this.dirty = true;
    if (!this.timer) {
      const due = Math.max(0, this.lastWrite + WRITE_INTERVAL_MS - Date.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.writeNow();
      }, due);
    }
    return Promise.resolve();
  }

  private writeNow(): void {
    if (!this.dirty || !this.file) return;
    this.dirty = false;
    this.lastWrite = Date.now();
    try {
      saveState(this.file, this.toState());
    } catch (err) {
      this.writeError = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Writes now (if anything changed since the last write); rejects if any write failed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writeNow();
    if (this.writeError) throw new Error(`could not write state file ${this.file}: ${this.writeError.message}`);
  }

}
