import * as path from "node:path";
import { QmpBatch } from "../../../provider/resources/port-forward/qmp-batch";
import { QmpConnectionError } from "../../../provider/host/qemu/qmp-client";
import { Host } from "../../../provider/host/host";
import { LocalTransport } from "../../../provider/host/local-transport";
import { FakeQmpServer } from "../../support/fake-qmp-server";

/** This machine: the fake QMP server listens on a local socket. */
const host = new Host({}, new LocalTransport());
let dir: string;
let server: FakeQmpServer;
let sock: string;
beforeEach(async () => {
  server = await FakeQmpServer.inTempDir((m, reply) => setTimeout(() => reply({ return: `did ${m.arguments?.["command-line"]}` }), 2));
  sock = server.socketPath;
  dir = path.dirname(sock);
});
afterEach(async () => {
  await server.stop();
});

test("jobs arriving together share one QMP connection; each gets its own result or error", async () => {
  const batch = new QmpBatch();
  const jobs = Array.from({ length: 20 }, (_x, i) =>
    batch.run(host, sock, async (qmp) => {
      const out = await qmp.hmp(`job ${i}`);
      if (i === 3) throw new Error("job 3 failed");
      return out;
    }),
  );
  const results = await Promise.allSettled(jobs);
  expect(results[0]).toEqual({ status: "fulfilled", value: "did job 0" });
  expect(results[3]).toMatchObject({ status: "rejected", reason: new Error("job 3 failed") });
  expect(results[19]).toEqual({ status: "fulfilled", value: "did job 19" });
  expect(server.connections).toBe(1);
});

test("a job arriving while a session opens joins it; nothing is lost", async () => {
  const batch = new QmpBatch();
  const first = batch.run(host, sock, (qmp) => qmp.hmp("a"));
  await new Promise((r) => setImmediate(r));
  const later = batch.run(host, sock, (qmp) => qmp.hmp("b"));
  expect(await Promise.all([first, later])).toEqual(["did a", "did b"]);
  expect(server.connections).toBe(1); // the later job joined the session the first one opened
});

test("a connection failure rejects that session's jobs with the connection error", async () => {
  const batch = new QmpBatch();
  const missing = path.join(dir, "absent.sock");
  const r = await Promise.allSettled([batch.run(host, missing, (q) => q.hmp("x")), batch.run(host, missing, (q) => q.hmp("y"))]);
  for (const x of r) expect(x).toMatchObject({ status: "rejected", reason: expect.any(QmpConnectionError) });
  await expect(batch.run(host, sock, (q) => q.hmp("z"))).resolves.toBe("did z"); // the next session starts afresh
});
