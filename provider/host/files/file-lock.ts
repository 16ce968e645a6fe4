/**
 * Exclusive lock across async calls in this process and across processes.
 * PLACEHOLDER: in-process mutex only; the ACL work replaces this with a cross-process lock.
 */
const tails = new Map<string, Promise<unknown>>();

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const prev = tails.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  tails.set(lockPath, tail);
  await prev.catch(() => undefined);
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(lockPath) === tail) tails.delete(lockPath);
  }
}
