/**
 * Issue 12, concurrency, on real files: 200 BridgeAcl creates and deletes interleaved in one provider process and,
 * at the same time, from a second provider process; foreign lines present; a reader polling the file throughout.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeProvider } from "../../../provider/kinds";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { record } from "../../support/reliability";

const ROOT = path.resolve(__dirname, "../../..");
const FOREIGN = ["# site ACL, edited by hand", "allow  lan0 ", "deny br-guest\r", "", "include /etc/qemu/extra.conf"];
let dir: string;
let conf: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-acl-conc-"));
  conf = path.join(dir, "bridge.conf");
  fs.writeFileSync(conf, FOREIGN.join("\n") + "\n");
  fs.chmodSync(conf, 0o640);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Foreign lines, in order, each exactly once: what a reader or the end state must always see. */
function foreignIntact(text: string): boolean {
  return text.endsWith("\n") && text.split("\n").slice(0, FOREIGN.length).join("\n") === FOREIGN.join("\n");
}

/** The same workload in a second provider process (the built package, as Pulumi's provider host loads it). */
const CHILD = `
const { makeProvider } = require(${JSON.stringify(path.join(ROOT, "dist/provider/kinds"))});
const { HostRegistry } = require(${JSON.stringify(path.join(ROOT, "dist/provider/host/host-registry"))});
const { ExecaRunner } = require(${JSON.stringify(path.join(ROOT, "dist/provider/host/runner/execa-runner"))});
(async () => {
  const p = makeProvider("BridgeAcl", { hosts: new HostRegistry(new ExecaRunner()) });
  const conf = process.argv[1];
  const jobs = Array.from({ length: 100 }, async (_, i) => {
    const c = await p.check({}, { bridge: "pb" + i, confPath: conf, __resourceName: "p" + i });
    const made = await p.create(c.inputs);
    if (i % 4 === 0) await p.delete(made.id, made.outs);
  });
  await Promise.all(jobs);
})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
`;

test("200 interleaved creates and deletes here, 100 more from another process: every line once, foreign lines byte-identical, no partial read", async () => {
  const reads = { count: 0, partial: 0 };
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const text = fs.readFileSync(conf, "utf8");
      reads.count++;
      if (!foreignIntact(text)) reads.partial++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  const child = spawn(process.execPath, ["-e", CHILD, conf], { stdio: ["ignore", "ignore", "pipe"] });
  let childErr = "";
  child.stderr.on("data", (d: Buffer) => (childErr += d));
  const childDone = new Promise<number>((r) => child.once("exit", (code) => r(code ?? -1)));

  const started = Date.now();
  const p = makeProvider("BridgeAcl", testContext());
  const kept = new Set<number>();
  try {
    await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        const made = await checkAndCreate(p, { bridge: `hb${i}`, confPath: conf, __resourceName: `h${i}` });
        if (i % 3 === 0) await p.delete!(made.id, made.outs); // 50 deletes, interleaved with the creates still running
        else kept.add(i);
      }),
    );
    expect(await childDone).toBe(0);
    expect(childErr).toBe("");
  } finally {
    // Even when a create failed: stop the reader and the other process before the folder goes.
    reading = false;
    if (child.exitCode === null) child.kill("SIGKILL");
    await reader.catch(() => undefined);
  }
  const elapsedMs = Date.now() - started;

  const lines = fs.readFileSync(conf, "utf8").split("\n");
  for (let i = 0; i < 150; i++) expect([i, lines.filter((l) => l === `allow hb${i}`).length]).toEqual([i, kept.has(i) ? 1 : 0]);
  for (let i = 0; i < 100; i++) expect([i, lines.filter((l) => l === `allow pb${i}`).length]).toEqual([i, i % 4 === 0 ? 0 : 1]);
  expect(lines.slice(0, FOREIGN.length)).toEqual(FOREIGN);
  expect(reads.partial).toBe(0);
  expect(reads.count).toBeGreaterThan(0);
  expect(fs.statSync(conf).mode & 0o7777).toBe(0o640);
  record({ section: "concurrency", subject: "BridgeAcl: 150 creates + 50 deletes in one process, 100 creates + 25 deletes in another, one file", operations: 325, reads: reads.count, partialReads: reads.partial, elapsedMs });
});
