import type { Duplex } from "node:stream";
import type { HostTransport } from "../transport";
import { messageOf } from "../runner/message-of";
import { DEFAULT_LOCK_TIMEOUT_MS } from "../files/file-lock";
import { classifyOpenError, SshConnectionError, type SshConnection } from "./ssh-connection";
import { SshRunner } from "./ssh-runner";
import { SshFiles } from "./ssh-files";
import { RemoteLocks } from "./remote-locks";

/** How messages name a remote machine: `name (host)` when it has a display name, else the host as given. Pure. */
export function sshWhere(target: { host: string; name?: string }): string {
  return target.name ? `${target.name} (${target.host})` : target.host;
}

/** Options of an SSH transport beyond its connection's. */
export interface SshTransportOptions {
  /** Default timeout of a command (default 30 s, as ExecaRunner). */
  commandTimeoutMs?: number;
  /** Bound on waiting for a lock (default 15 s, as withFileLock). */
  lockTimeoutMs?: number;
}

/** An Error with a node-style `code`, as `net.createConnection` fails. */
function codedError(message: string, code: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

/** A remote machine reached over one shared SSH connection: commands, files, locks held there, its Unix sockets. */
export class SshTransport implements HostTransport {
  readonly id: string;
  readonly where: string;
  readonly runner: SshRunner;
  readonly files: SshFiles;
  private readonly locks: RemoteLocks;

  constructor(
    readonly connection: SshConnection,
    options: SshTransportOptions = {},
  ) {
    const t = connection.target;
    this.id = `ssh:${t.user}@${t.host}:${t.port}`;
    this.where = connection.where;
    this.runner = new SshRunner(connection, { timeoutMs: options.commandTimeoutMs ?? 30_000 });
    this.locks = new RemoteLocks(connection, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    this.files = new SshFiles(this.runner, this.locks, this.where);
  }

  /**
   * A stream to the Unix socket at `path` on the machine (`direct-streamlocal@openssh.com`). The server does not say
   * why a forward failed, so on failure one command looks: no file there → ENOENT, a file nobody accepts on →
   * ECONNREFUSED (as node's `net` reports them). Bounded by `timeoutMs` (ETIMEDOUT).
   */
  openUnixStream(path: string, timeoutMs: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(codedError(`on ${this.where}: connecting to ${path} timed out after ${timeoutMs} ms`, "ETIMEDOUT"));
      }, timeoutMs);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          fn();
        }
      };
      this.connection.forwardUnix(path).then(
        (ch) => (settled ? ch.destroy() : settle(() => resolve(ch))),
        async (e: unknown) => {
          if (e instanceof SshConnectionError || classifyOpenError(e, false) !== "other") return settle(() => reject(e));
          const there = await this.files.exists(path).catch(() => undefined);
          const why = messageOf(e);
          if (there === false) settle(() => reject(codedError(`on ${this.where}: ${path} does not exist (${why})`, "ENOENT", e)));
          else if (there === true) settle(() => reject(codedError(`on ${this.where}: nobody accepts connections on ${path} (${why})`, "ECONNREFUSED", e)));
          else settle(() => reject(e));
        },
      );
    });
  }

  /** Release the locks held and close the connection (a later use reconnects). */
  async close(): Promise<void> {
    this.locks.close();
    await this.connection.close();
  }
}
