import { AsyncLocalStorage } from "node:async_hooks";

/** A lock held on a remote machine by this process, as the code running under it sees it. */
export interface HeldRemoteLock {
  readonly lockPath: string;
  readonly where: string;
  /** True once the session holding it ended (connection lost): the lock file was released on the remote machine. */
  readonly lost: boolean;
}

/** The remote locks the current async call chain holds (withLock's `fn` runs inside). */
const held = new AsyncLocalStorage<readonly HeldRemoteLock[]>();

/** The lock was released on the remote machine while the code it protects still ran: its work is no longer exclusive. */
export class RemoteLockLostError extends Error {
  constructor(readonly lockPath: string, readonly where: string) {
    super(
      `on ${where}: the connection holding lock ${lockPath} was lost, so the lock was released there; ` +
        `stopped before running more under it. Retry the operation.`,
    );
    this.name = "RemoteLockLostError";
  }
}

/** Run `fn` with `lock` added to the locks its async call chain holds. */
export function runHolding<T>(lock: HeldRemoteLock, fn: () => Promise<T>): Promise<T> {
  return held.run([...(held.getStore() ?? []), lock], fn);
}

/**
 * Throw when the caller runs under a remote lock that was lost. Called before every remote command and file
 * operation: after a reconnect, code that believed itself exclusive must not go on as if it were.
 */
export function assertLocksHeld(): void {
  const lost = held.getStore()?.find((l) => l.lost);
  if (lost) throw new RemoteLockLostError(lost.lockPath, lost.where);
}
