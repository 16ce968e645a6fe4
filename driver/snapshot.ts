/**
 * The in-memory state of a running operation, persisted to the state file after every change.
 */
import { loadState, ResourceState, saveState, StackState } from "./state-file";

/** Mutable resource list of an operation; writes are serialized and coalesced. */
export class Snapshot {
  /** Current entries (old ones not yet touched, new ones, and pending deletes). */
  readonly resources: ResourceState[];
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
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

  /** Schedules an atomic write of the current state (no-op when read-only). */
  persist(): Promise<void> {
    if (!this.file) return Promise.resolve();
    const file = this.file;
    if (!this.queued) {
      this.queued = true;
      this.chain = this.chain.then(() => {
        this.queued = false; // Why here: changes made after this point need (and get) another write.
        try {
          saveState(file, this.toState());
        } catch (err) {
          this.writeError = err instanceof Error ? err : new Error(String(err));
        }
      });
    }
    return this.chain;
  }

  /** Writes once more and waits for all writes; rejects if any write failed. */
  async flush(): Promise<void> {
    await this.persist();
    if (this.writeError) throw new Error(`could not write state file ${this.file}: ${this.writeError.message}`);
  }
}
