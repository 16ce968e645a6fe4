import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBridgeAccess } from "../../../provider/host/acl";
import { LocalFiles } from "../../../provider/host/files/local-files";
import { inspectHelper, helperWarning } from "../../../provider/host/acl/helper-binary";
import { markerLine } from "../../../provider/host/acl/owned-entries";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { compileForChild } from "../../unit/acl/compile-for-child";
import { FakeRunner } from "../../support/fake-runner";
import { HostRegistry } from "../../../provider/host/host-registry";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import { record } from "../../support/reliability";
import { makeProvider } from "../../../provider/kinds";

let dir: string;
let conf: string;
let helperWarnings: string[];

beforeAll(async () => {
  const w = helperWarning(await inspectHelper(new LocalFiles()));
  helperWarnings = w ? [w] : [];
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-acl-"));
  conf = path.join(dir, "qemu", "bridge.conf");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Foreign content a person wrote: odd whitespace, CRLF, comments, a blank line, no final newline. */
const FOREIGN = "# site ACL\n  allow \t virbr0  \r\n\n\t# deny br9\ndeny   lan0";

const read = () => fs.readFileSync(conf, "utf8");

test("create / read / update / delete keep foreign lines byte for byte, directory and file created", async () => {
  fs.mkdirSync(path.dirname(conf));
  fs.writeFileSync(conf, FOREIGN, { mode: 0o640 });
  const p = makeProvider("BridgeAcl", testContext());
  const { id, outs } = await checkAndCreate(p, { __resourceName: "acl", bridge: "br0", confPath: conf });
  expect(id).toMatch(/^acl-[0-9a-f]{5}\.[0-9a-f]{6}$/);
  expect(read()).toBe(`${FOREIGN}\n${markerLine(id, "br0")}\nallow br0`);
  expect(fs.statSync(conf).mode & 0o777).toBe(0o640); // an existing file keeps its mode
  expect(outs).toEqual({ name: outs.name, bridge: "br0", action: "allow", confPath: conf, host: {}, line: "allow br0", warnings: helperWarnings, __autoNamed: true });
  expect(await checkBridgeAccess(new LocalFiles(), conf, "br0")).toEqual({ allowed: true, detail: `allowed by \`allow br0\` (${conf}:7)` });

  const r = await p.read!(id, outs);
  expect(r.props).toEqual(outs);

  const u = await checkAndUpdate(p, id, outs, { __resourceName: "acl", bridge: "br0", confPath: conf, action: "deny" });
  expect(u.diff).toMatchObject({ changes: true, replaces: [] });
  expect(u.outs).toMatchObject({ action: "deny", line: "deny br0" });
  expect(read()).toBe(`${FOREIGN}\n${markerLine(id, "br0")}\ndeny br0`);

  await p.delete!(id, u.outs!);
  expect(read()).toBe(FOREIGN);
  await p.delete!(id, u.outs!); // already gone: success, file untouched
  expect(read()).toBe(FOREIGN);
  expect(fs.readdirSync(path.dirname(conf))).toEqual(["bridge.conf"]); // no lock or temp files left
});

test("a new file is created 0644 in a new 0755 directory; delete leaves the (now empty) file", async () => {
  const p = makeProvider("BridgeAcl", testContext());
  const { id, outs } = await checkAndCreate(p, { __resourceName: "acl", bridge: "all", confPath: conf });
  expect(fs.statSync(conf).mode & 0o777).toBe(0o644);
  expect(fs.statSync(path.dirname(conf)).mode & 0o777).toBe(0o755);
  record({ section: "file-modes", subject: "a new bridge.conf and its new directory", file: "0644", directory: "0755" });
  expect(read()).toBe(`${markerLine(id, "all")}\nallow all\n`);
  expect(outs.warnings[0]).toMatch(/^`allow all` lets every local user/);
  await p.delete!(id, outs);
  expect(read()).toBe("");
});

test("drift: action flipped by hand is observed; a line deleted by hand under our marker is drift that update restores", async () => {
  fs.mkdirSync(path.dirname(conf));
  fs.writeFileSync(conf, "deny br0\n");
  const p = makeProvider("BridgeAcl", testContext());
  const { id, outs } = await checkAndCreate(p, { __resourceName: "acl", bridge: "br0", confPath: conf });
  expect(outs.warnings).toContain(`\`allow br0\` has no effect: \`deny br0\` (${conf}:1) overrides it (the helper lets deny win over allow)`);

  fs.writeFileSync(conf, read().replace(/^allow br0$/m, "deny br0"));
  const flipped = await p.read!(id, outs);
  expect(flipped.props).toMatchObject({ action: "deny", line: "deny br0" });
  const d = await p.diff!(id, flipped.props!, { ...outs, action: "allow" });
  expect(d).toMatchObject({ changes: true, replaces: [] });

  fs.writeFileSync(conf, read().replace(/^deny br0\n$/m, "").replace(/\ndeny br0\n$/, "\n"));
  expect(read()).toBe(`deny br0\n${markerLine(id, "br0")}\n`);
  const lost = (await p.read!(id, outs)).props!;
  expect(lost).toMatchObject({ action: "", line: "" });
  expect(lost.warnings[0]).toMatch(/removed by hand; the next up restores it/);
  expect(await p.diff!(id, lost, { ...outs, action: "allow" })).toMatchObject({ changes: true, replaces: [] });
  await p.update!(id, lost, { ...outs, action: "allow" });
  expect(read()).toBe(`deny br0\n${markerLine(id, "br0")}\nallow br0\n`);
  // Marker and line both removed by hand: gone.
  fs.writeFileSync(conf, "deny br0\n");
  expect(await p.read!(id, outs)).toEqual({});
  await p.delete!(id, outs);
  expect(read()).toBe("deny br0\n");
  record({ section: "faults", subject: "an ACL line flipped or deleted by hand under our marker", refresh: "drift", up: "restored in place" });
});

test("read of a file deleted by hand is gone; delete succeeds without recreating its directory", async () => {
  const p = makeProvider("BridgeAcl", testContext());
  const { id, outs } = await checkAndCreate(p, { __resourceName: "acl", bridge: "br0", confPath: conf });
  fs.rmSync(path.dirname(conf), { recursive: true });
  expect(await p.read!(id, outs)).toEqual({});
  await p.delete!(id, outs);
  expect(fs.existsSync(path.dirname(conf))).toBe(false);
});

test("50 concurrent creates in one process all land, then 50 concurrent deletes restore the file", async () => {
  fs.mkdirSync(path.dirname(conf));
  fs.writeFileSync(conf, FOREIGN);
  let writes = 0;
  const files = new LocalFiles();
  const write = files.writeTextAtomic.bind(files);
  files.writeTextAtomic = (f, t, o) => (writes++, write(f, t, o));
  const p = makeProvider("BridgeAcl", { hosts: new HostRegistry(new ExecaRunner(), files) });
  const t0 = performance.now();
  const made = await Promise.all(Array.from({ length: 50 }, (_, i) => checkAndCreate(p, { __resourceName: `a${i}`, bridge: `br${i}`, confPath: conf })));
  const ms = performance.now() - t0;
  const text = read();
  for (const m of made) expect(text).toContain(`${markerLine(m.id, m.outs.bridge)}\nallow ${m.outs.bridge}`);
  expect(text.split("\n").length).toBe(FOREIGN.split("\n").length + 100);
  console.log(`50 concurrent BridgeAcl creates: ${ms.toFixed(0)} ms, ${writes} file writes`);
  expect(writes).toBeLessThan(50); // edits that queue behind the lock share one read-modify-write
  const reads = await Promise.all(made.map((m) => p.read!(m.id, m.outs)));
  expect(reads.map((r) => r.props?.bridge)).toEqual(made.map((m) => m.outs.bridge));
  await Promise.all(made.map((m) => p.delete!(m.id, m.outs)));
  expect(read()).toBe(FOREIGN);
});

test("another process editing the same file concurrently loses no entries", async () => {
  fs.mkdirSync(path.dirname(conf));
  fs.writeFileSync(conf, FOREIGN);
  const compiled = compileForChild([
    "provider/host/acl/conf-writer.ts",
    "provider/host/acl/conf-file.ts",
    "provider/host/acl/shared-read.ts",
    "provider/host/acl/owned-entries.ts",
    "provider/host/acl/helper-parse.ts",
    "provider/host/files/local-files.ts",
    "provider/host/files/file-lock.ts",
  ]);
  try {
    const req = (rel: string) => JSON.stringify(path.join(compiled, rel));
    // The child adds 30 entries one after another (each its own locked read-modify-write).
    const script = `
      const { editConf } = require(${req("provider/host/acl/conf-writer.js")});
      const { upsertEntry } = require(${req("provider/host/acl/owned-entries.js")});
      const { LocalFiles } = require(${req("provider/host/files/local-files.js")});
      (async () => {
        const files = new LocalFiles();
        for (let i = 0; i < 30; i++) await editConf(files, process.argv[1], (c) => upsertEntry(c, "child" + i, "allow", "c" + i));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ["-e", script, conf], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number>((r) => child.on("exit", (c) => r(c ?? -1)));
    const p = makeProvider("BridgeAcl", testContext());
    const made = [];
    for (let i = 0; i < 30; i++) made.push(await checkAndCreate(p, { __resourceName: `p${i}`, bridge: `p${i}`, confPath: conf }));
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    const text = read();
    for (let i = 0; i < 30; i++) expect(text).toContain(`${markerLine(`child${i}`, `c${i}`)}\nallow c${i}`);
    for (const m of made) expect(text).toContain(`${markerLine(m.id, m.outs.bridge)}\nallow ${m.outs.bridge}`);
    expect(text.startsWith(`${FOREIGN}\n`)).toBe(true);
  } finally {
    fs.rmSync(compiled, { recursive: true, force: true });
  }
});

test("a file that is not UTF-8 is never rewritten", async () => {
  fs.mkdirSync(path.dirname(conf));
  const bytes = Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a, 0x61, 0x6c, 0x6c, 0x6f, 0x77, 0x20, 0x78, 0x0a]); // "# \xff\xfe\nallow x\n"
  fs.writeFileSync(conf, bytes);
  const p = makeProvider("BridgeAcl", testContext());
  await expect(checkAndCreate(p, { __resourceName: "acl", bridge: "br0", confPath: conf })).rejects.toThrow(
    new RegExp(`^BridgeAcl "acl-[0-9a-f]{5}": create failed: ${conf} contains bytes that are not UTF-8; refusing to rewrite it`),
  );
  expect(fs.readFileSync(conf).equals(bytes)).toBe(true);
});

test("300 entries in one file: creates and a concurrent refresh run no command at all", async () => {
  const runner = new FakeRunner(); // any command would be recorded (and rejected)
  const p = makeProvider("BridgeAcl", testContext(runner));
  let t0 = performance.now();
  const made = await Promise.all(Array.from({ length: 300 }, (_, i) => checkAndCreate(p, { __resourceName: `a${i}`, bridge: `b${i}`, confPath: conf })));
  const createMs = performance.now() - t0;
  t0 = performance.now();
  const reads = await Promise.all(made.map((m) => p.read!(m.id, m.outs)));
  const readMs = performance.now() - t0;
  console.log(`300 BridgeAcl creates: ${createMs.toFixed(0)} ms; 300 concurrent reads: ${readMs.toFixed(0)} ms`);
  expect(reads.map((r) => r.props)).toEqual(made.map((m) => m.outs));
  expect(runner.calls).toEqual([]);
  // Speed is measured in bench/, not asserted here: no process is the property that matters.
});
