/**
 * The in-memory state of a running operation, persisted to the state file after every change.
 */
import type { PropertyMap } from "./rpc";
import { loadState, saveState } from "./state-file";
import type { PendingOperationState, ResourceState, StackState } from "./types";

/** The longest a finished step waits before the state file records it. */
export const WRITE_INTERVAL_MS = 250;

/** Options of {@link Snapshot.load}. */
export interface SnapshotOptions {
  /** The program folder, whose `Pulumi.<stack>.yaml` `encryptionsalt` (if any) secrets are written with. */
  programDir?: string;
  /** The stack config as given to the provider (`project:key`, secrets marked): the default providers' inputs. */
  providerConfig?: PropertyMap;
  /** Where the passphrase is looked up; default: this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/** Mutable resource list of an operation; writes are serialized and coalesced. */
export class Snapshot {
  /** Current entries (old ones not yet touched, new ones, and pending deletes). */
  readonly resources: ResourceState[];
  private dirty = false;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The durable write that the steps starting in this tick wait for; resolves with its error, if any. */
  private groupCommit: Promise<Error | undefined> | undefined;
  private writeError: Error | undefined;
  /** Pending operations the state file held when the operation started (what the next run warns about). */
  readonly basePendingOperations: readonly PendingOperationState[];
  /** Pending operations written with the state: the base's pending creates, then this run's unfinished steps. */
  readonly pendingOperations: PendingOperationState[];

  private constructor(
    private readonly file: string | undefined,
    private readonly project: string,
    private readonly stack: string,
    private readonly loaded: StackState,
    providerConfig: PropertyMap | undefined,
    private readonly env: NodeJS.ProcessEnv | undefined,
  ) {
    this.resources = loaded.resources.map((r) => ({ ...r }));
    this.basePendingOperations = loaded.pendingOperations ?? [];
    // Why only creates: the engine carries the base snapshot's pending CREATE operations into every new snapshot
    // ("these must require user intervention to be cleared", pkg/backend/snapshot.go:764-771) and drops the others.
    this.pendingOperations = this.basePendingOperations.filter((op) => op.type === "creating");
    // Why dirty: the next write (at the latest at the end) drops the base's other pending operations.
    this.dirty = file !== undefined && this.pendingOperations.length !== this.basePendingOperations.length;
    if (providerConfig) this.loaded.defaultProviders = { ...this.loaded.defaultProviders, config: providerConfig };
  }

  /** Loads the state file; with `readOnly` (previews) nothing is ever written back. */
  static load(file: string, project: string, stack: string, readOnly: boolean, options: SnapshotOptions = {}): Snapshot {
    const state = loadState(file, project, stack, { programDir: options.programDir, env: options.env });
    return new Snapshot(readOnly ? undefined : file, project, stack, state, options.providerConfig, options.env);
  }

  /**
   * Records a provider step as started and writes the state durably before resolving (call the provider after).
   * Steps that start in the same tick share one write (a group commit), as the engine's snapshot manager would
   * write each in turn.
   */
  async beginPending(op: PendingOperationState): Promise<void> {
    if (!this.file) return;
    this.pendingOperations.push(op);
    this.dirty = true;
    this.groupCommit ??= new Promise<Error | undefined>((resolve) =>
      setImmediate(() => {
        this.groupCommit = undefined;
        const before = this.writeError;
        this.writeError = undefined;
        this.writeNow(true);
        const failed = this.writeError;
        this.writeError ??= before;
        resolve(failed);
      }),
    );
    const failed = await this.groupCommit;
    // Why fail the step: a provider call whose start is not on disk could be lost without a trace by a crash.
    if (failed) {
      this.pendingOperations.splice(this.pendingOperations.indexOf(op), 1);
      throw new Error(`could not write state file ${this.file}: ${failed.message}`);
    }
  }

  /** Records a provider step as finished (written with the next write). */
  endPending(op: PendingOperationState): void {
    const i = this.pendingOperations.indexOf(op);
    if (i < 0) return;
    this.pendingOperations.splice(i, 1);
    void this.persist();
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
    return {
      version: 1,
      project: this.project,
      stack: this.stack,
      // Not copied: entries are replaced, never changed in place, and the writer keeps each one's converted form.
      resources: [...this.resources],
      pendingOperations: this.pendingOperations.map((op) => ({ ...op })),
      // Shared, not copied: saveState records a newly made salt in it, and every later write uses that salt.
      secretsProvider: this.loaded.secretsProvider,
      defaultProviders: this.loaded.defaultProviders,
    };
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
        this.writeNow(false);
      }, due);
    }
    return Promise.resolve();
  }

  /** `durable`: fsync before the rename (pending operations and the end of the operation need it; the rest do not). */
  private writeNow(durable: boolean): void {
    if (!this.dirty || !this.file) return;
    this.dirty = false;
    this.lastWrite = Date.now();
    try {
      saveState(this.file, this.toState(), { env: this.env, durable });
    } catch (err) {
      this.writeError = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Writes now (if anything changed since the last write); rejects if any write failed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writeNow(true);
    if (this.writeError) throw new Error(`could not write state file ${this.file}: ${this.writeError.message}`);
  }

}
