import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

/** A command as the fake server received it. */
export type Msg = { execute: string; arguments?: Record<string, unknown>; id?: unknown };
/** How the fake answers a command (after greeting and qmp_capabilities). */
export type Behaviour = (msg: Msg, reply: (o: unknown) => void, sock: net.Socket) => void;

/** A tiny QMP server: greets, answers qmp_capabilities, then hands every command to `behaviour`. */
export class FakeQmpServer {
  readonly received: Msg[] = [];
  readonly sockets = new Set<net.Socket>();
  connections = 0;
  private server!: net.Server;
  constructor(readonly socketPath: string, private behaviour: Behaviour, private greet = true) {}

  async start(): Promise<void> {
    this.server = net.createServer((sock) => {
      this.connections++;
      this.sockets.add(sock);
      sock.on("close", () => this.sockets.delete(sock));
      sock.on("error", () => undefined);
      if (this.greet) sock.write(JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: ["oob"] } }) + "\r\n");
      readline.createInterface({ input: sock, crlfDelay: Infinity }).on("line", (line) => {
        const msg = JSON.parse(line) as Msg;
        this.received.push(msg);
        const reply = (o: unknown) => sock.write(JSON.stringify({ ...(o as object), id: msg.id }) + "\r\n");
        if (msg.execute === "qmp_capabilities") reply({ return: {} });
        else this.behaviour(msg, reply, sock);
      });
    });
    await new Promise<void>((r) => this.server.listen(this.socketPath, r));
  }

  /** A started server on `qmp.sock` in a new temporary directory; `stop()` removes the directory. */
  static async inTempDir(behaviour: Behaviour, greet = true): Promise<FakeQmpServer> {
    const server = new FakeQmpServer(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fake-qmp-")), "qmp.sock"), behaviour, greet);
    server.ownsDir = true;
    await server.start();
    return server;
  }

  private ownsDir = false;

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    if (this.ownsDir) fs.rmSync(path.dirname(this.socketPath), { recursive: true, force: true });
  }
}

