import type { QmpClient } from "../../host/qemu/qmp-client";
import type { Host } from "../../host/host";

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

  run<T>(host: Host, socketPath: string, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
    // Why the machine's id: the same path on two machines is two sockets.
    const key = `${host.transport.id}\0${socketPath}`;
    return new Promise<T>((resolve, reject) => {
      let q = this.queues.get(key);
      if (!q) {
        q = [];
        this.queues.set(key, q);
        // Start after the current tick so that jobs arriving together share the session.
        setImmediate(() => void this.flush(host, socketPath, key));
      }
      q.push({ fn, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private async flush(host: Host, socketPath: string, key: string): Promise<void> {
    // withQmp queues us behind other users of the socket; jobs added meanwhile join this session.
    try {
      await host.withQmp(socketPath, async (qmp) => {
        for (;;) {
          const q = this.queues.get(key);
          const job = q?.shift();
          if (!job) break;
          try {
            job.resolve(await job.fn(qmp));
          } catch (e) {
            job.reject(e);
          }
        }
        this.queues.delete(key);
      });
    } catch (e) {
      const q = this.queues.get(key) ?? [];
      this.queues.delete(key);
      for (const job of q) job.reject(e);
    }
  }
}
