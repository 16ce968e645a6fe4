import * as net from "node:net";
import type { Duplex } from "node:stream";
import type { HostTransport } from "./transport";
import type { CommandRunner } from "./runner/types";
import type { HostFiles } from "./files/types";
import { ExecaRunner } from "./runner/execa-runner";
import { LocalFiles } from "./files/local-files";

/** This machine: commands with execa, files with node's fs, Unix sockets with node's net. */
export class LocalTransport implements HostTransport {
  readonly id = "local";
  readonly where = "this machine";
  constructor(
    readonly runner: CommandRunner = new ExecaRunner(),
    readonly files: HostFiles = new LocalFiles(),
  ) {}

  openUnixStream(path: string, timeoutMs: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connecting to ${path} timed out after ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeListener("error", onError);
        resolve(socket);
      });
      const onError = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      socket.once("error", onError);
    });
  }
}
