import * as fs from "node:fs";
import * as path from "node:path";
import { UsernetReads } from "../../../provider/resources/port-forward/usernet-cache";
import { Host } from "../../../provider/host/host";
import { LocalTransport } from "../../../provider/host/local-transport";
import { FakeQmpServer } from "../../support/fake-qmp-server";

const USERNET =
  "Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n" +
  "  TCP[HOST_FORWARD]  15       127.0.0.1  2222       10.0.2.15    22     0     0\r\n";

/** This machine: the fake QMP server listens on a local socket. */
const host = new Host({}, new LocalTransport());
let dir: string;
let server: FakeQmpServer;
let sock: string;
beforeEach(async () => {
  server = await FakeQmpServer.inTempDir((_m, reply) => setTimeout(() => reply({ return: USERNET }), 10));
  sock = server.socketPath;
  dir = path.dirname(sock);
});
afterEach(async () => {
  await server.stop();
});

const usernetQueries = () => server.received.filter((m) => m.arguments?.["command-line"] === "info usernet").length;

test("concurrent reads of one VM share one `info usernet` over one connection", async () => {
  const reads = new UsernetReads();
  const all = await Promise.all(Array.from({ length: 50 }, () => reads.get(host, sock)));
  expect(all.every((m) => m.get("net0")?.[0]?.hostPort === 2222)).toBe(true);
  expect(usernetQueries()).toBe(1);
  expect(server.connections).toBe(1);
});

test("a write invalidates: the next read asks QEMU again", async () => {
  const reads = new UsernetReads();
  await reads.get(host, sock);
  reads.invalidate(host, sock);
  await reads.get(host, sock);
  expect(usernetQueries()).toBe(2);
});

test("a failed read is not cached", async () => {
  const reads = new UsernetReads();
  const missing = path.join(dir, "absent.sock");
  await expect(reads.get(host, missing)).rejects.toThrow(/absent\.sock/);
  fs.renameSync(sock, missing); // the VM appears
  await expect(reads.get(host, missing)).resolves.toBeInstanceOf(Map);
});
