import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { QmpClient, QmpConnectionError, QmpError, withQmp } from "../../../provider/host/qemu/qmp-client";
import { FakeQmpServer, type Behaviour } from "../../support/fake-qmp-server";

let dir: string;
let server: FakeQmpServer | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-test-"));
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function serve(behaviour: Behaviour, greet = true): Promise<string> {
  const sock = path.join(dir, "qmp.sock");
  server = new FakeQmpServer(sock, behaviour, greet);
  await server.start();
  return sock;
}

test("negotiates capabilities, sends arguments and matches replies by id even out of order", async () => {
  const held: Array<() => void> = [];
  const sock = await serve((msg, reply) => {
    const answer = () => reply({ return: { echo: msg.arguments?.n } });
    if (msg.arguments?.n === 1) held.push(answer); // answer the first call last
    else {
      answer();
      held.forEach((h) => h());
    }
  });
  const qmp = await QmpClient.connect(sock);
  try {
    const [a, b] = await Promise.all([qmp.execute("echo", { n: 1 }), qmp.execute("echo", { n: 2 })]);
    expect(a).toEqual({ echo: 1 });
    expect(b).toEqual({ echo: 2 });
    expect(server!.received.map((m) => m.execute)).toEqual(["qmp_capabilities", "echo", "echo"]);
    expect(new Set(server!.received.map((m) => m.id)).size).toBe(3);
  } finally {
    qmp.close();
  }
});

test("hmp sends human-monitor-command and returns its text", async () => {
  const sock = await serve((msg, reply) => reply({ return: `ran ${msg.arguments?.["command-line"]}\r\n` }));
  const qmp = await QmpClient.connect(sock);
  try {
    expect(await qmp.hmp("info usernet")).toBe("ran info usernet\r\n");
    expect(server!.received[1]).toMatchObject({ execute: "human-monitor-command", arguments: { "command-line": "info usernet" } });
  } finally {
    qmp.close();
  }
});

test("an error reply rejects with QmpError carrying class and desc", async () => {
  const sock = await serve((_m, reply) => reply({ error: { class: "CommandNotFound", desc: "The command nope has not been found" } }));
  const qmp = await QmpClient.connect(sock);
  try {
    const e = await qmp.execute("nope").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpError);
    expect(e).toMatchObject({ command: "nope", errorClass: "CommandNotFound", desc: "The command nope has not been found" });
    expect((e as Error).message).toContain(sock);
  } finally {
    qmp.close();
  }
});

test("events reach listeners until unsubscribed", async () => {
  const sock = await serve((_m, reply, s) => {
    s.write(JSON.stringify({ event: "STOP", timestamp: { seconds: 1, microseconds: 2 } }) + "\r\n");
    reply({ return: {} });
  });
  const qmp = await QmpClient.connect(sock);
  try {
    const seen: string[] = [];
    const off = qmp.onEvent((ev) => seen.push(ev.event));
    await qmp.execute("stop");
    off();
    await qmp.execute("stop");
    expect(seen).toEqual(["STOP"]);
  } finally {
    qmp.close();
  }
});

test("a command without a reply times out naming the command and socket", async () => {
  const sock = await serve(() => undefined);
  const qmp = await QmpClient.connect(sock, { timeoutMs: 2000 });
  try {
    const e = await qmp.execute("query-status", undefined, { timeoutMs: 100 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpConnectionError);
    expect((e as QmpConnectionError).failure).toBe("timeout");
    expect((e as Error).message).toMatch(/query-status.*100 ms/);
  } finally {
    qmp.close();
  }
});

test("a server that never greets times out at connect", async () => {
  const sock = await serve(() => undefined, false);
  const e = await QmpClient.connect(sock, { timeoutMs: 150 }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(QmpConnectionError);
  expect((e as QmpConnectionError).failure).toBe("timeout");
  expect((e as Error).message).toContain(sock);
});

test("a missing socket is reported as the VM not running, naming the path", async () => {
  const sock = path.join(dir, "absent.sock");
  const e = await QmpClient.connect(sock).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(QmpConnectionError);
  expect((e as QmpConnectionError).failure).toBe("missing");
  expect((e as QmpConnectionError).vmNotRunning).toBe(true);
  expect((e as Error).message).toContain(sock);
});

test("a stale socket path nobody listens on is refused (VM not running)", async () => {
  const sock = path.join(dir, "qmp.sock");
  fs.writeFileSync(sock, ""); // what is left when QEMU died without removing its socket
  const e = await QmpClient.connect(sock).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(QmpConnectionError);
  expect((e as QmpConnectionError).failure).toBe("refused");
  expect((e as QmpConnectionError).vmNotRunning).toBe(true);
});

test("the server closing the connection rejects pending calls", async () => {
  const sock = await serve((_m, _r, s) => s.destroy());
  const qmp = await QmpClient.connect(sock);
  const e = await qmp.execute("quit").catch((x: unknown) => x);
  expect(e).toBeInstanceOf(QmpConnectionError);
  expect((e as QmpConnectionError).failure).toBe("closed");
  await expect(qmp.execute("again")).rejects.toBeInstanceOf(QmpConnectionError);
});

test("withQmp serializes users of one socket and always closes", async () => {
  let open = 0;
  let maxOpen = 0;
  const sock = await serve((_m, reply) => setTimeout(() => reply({ return: {} }), 20));
  const use = (fail: boolean) =>
    withQmp(sock, async (qmp) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      try {
        await qmp.execute("x");
        if (fail) throw new Error("boom");
        return "ok";
      } finally {
        open--;
      }
    });
  const results = await Promise.allSettled([use(false), use(true), use(false)]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(maxOpen).toBe(1);
  expect(server!.connections).toBe(3);
  // Every connection was closed by the client (bounded wait for the close events to arrive).
  for (let i = 0; i < 100 && server!.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(server!.sockets.size).toBe(0);
});

test("a server that closes before greeting (QEMU exiting) counts as the VM not running", async () => {
  const sock = path.join(dir, "qmp.sock");
  const s = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => s.listen(sock, r));
  try {
    const e = await QmpClient.connect(sock).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpConnectionError);
    expect((e as QmpConnectionError).failure).toBe("exiting");
    expect((e as QmpConnectionError).vmNotRunning).toBe(true);
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});

test("a peer that sends megabytes without a newline is dropped with a protocol error, not buffered without end (issue 12)", async () => {
  const sock = await serve((_msg, _reply, s) => {
    const chunk = "x".repeat(1024 * 1024);
    for (let i = 0; i < 6; i++) s.write(chunk);
  });
  const err = await withQmp(sock, (q) => q.execute("query-status"), { timeoutMs: 10_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(QmpConnectionError);
  expect((err as QmpConnectionError).failure).toBe("protocol");
  expect((err as Error).message).toMatch(/longer than 4194304 bytes without a newline/);
});
