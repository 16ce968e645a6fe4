import type { Duplex } from "node:stream";
import type { CommandRunner } from "./runner/types";
import type { HostFiles } from "./files/types";

/**
 * Everything that differs between this machine and a remote one: how commands run, how files are read and written
 * (atomically, under locks held on that machine), and how a Unix socket there (QMP) is reached. Host operations use
 * only this, so resource code does not know where it runs.
 */
export interface HostTransport {
  /** Stable identity of the machine within this process (keys caches and per-socket queues): "local" or `ssh:user@host:port`. */
  readonly id: string;
  /** The machine as messages name it: "this machine", or e.g. `hv2 (10.0.0.2)`. */
  readonly where: string;
  readonly runner: CommandRunner;
  readonly files: HostFiles;
  /**
   * A byte stream to the Unix socket at `path` on that machine. Rejects with an Error whose `code` is `ENOENT` when
   * the socket file is missing and `ECONNREFUSED` when nobody accepts on it (as node's `net` does), so callers can tell
   * "VM not running" from a broken connection.
   */
  openUnixStream(path: string, timeoutMs: number): Promise<Duplex>;
}
