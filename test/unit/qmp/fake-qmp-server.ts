import * as net from "node:net";

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
      let buf = "";
      sock.setEncoding("utf8");
      sock.on("data", (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const msg = JSON.parse(buf.slice(0, nl)) as Msg;
          buf = buf.slice(nl + 1);
          this.received.push(msg);
          const reply = (o: unknown) => sock.write(JSON.stringify({ ...(o as object), id: msg.id }) + "\r\n");
          if (msg.execute === "qmp_capabilities") reply({ return: {} });
          else this.behaviour(msg, reply, sock);
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(this.socketPath, r));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

