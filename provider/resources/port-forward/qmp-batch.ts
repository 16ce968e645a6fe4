import { withQmp, type QmpClient } from "../../host/qemu/qmp-client";

interface Job {
  fn: (qmp: QmpClient) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Runs forward operations on a VM's QMP socket, grouping those that arrive while the socket is busy
 * (or in the same tick) into one QMP session: a connection costs more than the hostfwd command itself.
 * Each job keeps its own result or error; a failed connection fails the jobs of that session only.
 */
export class QmpBatch {
  private readonly queues = new Map<string, Job[]>();

  run<T>(socketPath: string, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let q = this.queues.get(socketPath);
      if (!q) {
        q = [];
        this.queues.set(socketPath, q);
        // Start after the current tick so that jobs arriving together share the session.
        setImmediate(() => void this.flush(socketPath));
      }
      q.push({ fn, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private async flush(socketPath: string): Promise<void> {
    // withQmp queues us behind other users of the socket; jobs added meanwhile join this session.
    try {
      await withQmp(socketPath, async (qmp) => {
        for (;;) {
          const q = this.queues.get(socketPath);
          const job = q?.shift();
          if (!job) break;
          try {
            job.resolve(await job.fn(qmp));
          } catch (e) {
            job.reject(e);
          }
        }
        this.queues.delete(socketPath);
      });
    } catch (e) {
      const q = this.queues.get(socketPath) ?? [];
      this.queues.delete(socketPath);
      for (const job of q) job.reject(e);
    }
  }
}
