/**
 * Pending operations: a driver process SIGKILLed while a provider create (then an update) is in flight leaves the
 * step in the checkpoint's `pending_operations`; the next `up` prints the engine's "interrupted" warning and goes
 * on as the engine does — a pending create stays recorded (it needs a person to clear it), other pending
 * operations are dropped by the next write.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver, makeUrn } from "../../../driver";
import { makeSecret, UntypedDeploymentV3 } from "../../../driver/checkpoint";
import { PASSWORD, SECRETS_PROGRAM } from "./state-fixture";

jest.setTimeout(120_000);

const TOKEN = "tok-77aa-pending-secret";
const PASSPHRASE = "pending passphrase";
const VAULT = makeUrn("dev", "secrets-lab", "pulumi-nodejs:dynamic/secrets:Vault", "vault");

/** A driver in its own process (TypeScript sources transpiled on load), running one `up` with the given options. */
const CHILD = `
const ts = require("typescript");
const fs = require("fs");
require.extensions[".ts"] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, "utf8"), {
  fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
}).outputText, file);
const { LifecycleDriver } = require(${JSON.stringify(path.resolve(__dirname, "..", "..", "..", "driver"))});
new LifecycleDriver({ ...JSON.parse(process.argv[1]), write: (t) => process.stdout.write(t) }).up().then(() => process.exit(0), () => process.exit(1));
`;

/** True while a PID is a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function until(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("lifecycle driver: pending operations after a kill", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "driver-pending-"));
  const stateFile = path.join(root, "state", "dev.json");
  const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
  let output = "";
  const options = (config: Record<string, unknown>) => ({ programDir: SECRETS_PROGRAM, stack: "dev", stateFile, config: { root, token: makeSecret(TOKEN), ...config } });
  const driver = (config: Record<string, unknown> = {}) => new LifecycleDriver({ ...options(config), write: (t) => (output += t) });
  const checkpoint = () => JSON.parse(fs.readFileSync(stateFile, "utf8")) as UntypedDeploymentV3;
  const pendingOps = () => (checkpoint().deployment.pending_operations ?? []).map((op) => `${op.type} ${op.resource.urn}`);

  /** Runs `up` in a child driver until the provider call hangs, then SIGKILLs the driver (and its orphans). */
  async function killMidCall(config: Record<string, unknown>): Promise<void> {
    const hung = path.join(root, "hung");
    fs.rmSync(hung, { force: true });
    const child = spawn(process.execPath, ["-e", CHILD, JSON.stringify(options(config))], { env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE }, stdio: "ignore" });
    try {
      await until("the provider call to start", () => fs.existsSync(hung) && fs.readFileSync(hung, "utf8") !== "");
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      // A killed driver cannot kill its children: end the provider and the program it left, by PID.
      for (const pid of [Number(fs.readFileSync(hung, "utf8")), Number(fs.readFileSync(path.join(root, "program.pid"), "utf8"))]) {
        if (pid > 0 && alive(pid)) process.kill(pid, "SIGKILL");
      }
    }
  }

  beforeAll(() => {
    process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
  });
  afterAll(async () => {
    await driver().destroy().catch(() => undefined);
    if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
    else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("a kill mid-create leaves the create pending, recorded before the provider was called, its secrets encrypted", async () => {
    await killMidCall({ hangIn: "create" });
    expect(pendingOps()).toEqual([`creating ${VAULT}`]);
    const text = fs.readFileSync(stateFile, "utf8");
    expect(text).toContain('"ciphertext"');
    for (const secret of [PASSWORD, TOKEN]) expect(text).not.toContain(secret);
    expect(checkpoint().deployment.resources!.some((r) => r.urn === VAULT)).toBe(false); // the create never finished
  });

  it("the next up warns with the engine's text and creates the resource; the pending create stays recorded", async () => {
    const preview = await driver().preview();
    expect(preview.diagnostics.some((d) => d.message.includes("pending operations"))).toBe(false); // not in a dry run
    output = "";
    const up = await driver().up();
    expect(up.steps.find((s) => s.name === "vault")?.op).toBe("create");
    const warning = up.diagnostics.find((d) => d.severity === "warning" && !d.urn)?.message;
    expect(warning).toContain(`Attempting to deploy or update resources with 1 pending operations from previous deployment.\n  * ${VAULT}, interrupted while creating\n`);
    expect(warning).toContain("Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations.");
    expect(output).toContain(`interrupted while creating`);
    expect(pendingOps()).toEqual([`creating ${VAULT}`]);
    const refresh = await driver().refresh();
    expect(refresh.diagnostics.some((d) => d.message.includes("pending operations"))).toBe(false); // refresh prints none
    expect(pendingOps()).toEqual([`creating ${VAULT}`]);
  });

  it("a kill mid-update is reported as interrupted while updating, and the next write drops it", async () => {
    await killMidCall({ hangIn: "update", rev: "2" });
    expect(pendingOps()).toEqual([`creating ${VAULT}`, `updating ${VAULT}`]);
    const up = await driver({ rev: "2" }).up();
    expect(up.steps.find((s) => s.name === "vault")?.op).toBe("update");
    const warning = up.diagnostics.find((d) => d.severity === "warning" && !d.urn)?.message;
    expect(warning).toContain(`with 2 pending operations from previous deployment.\n  * ${VAULT}, interrupted while creating\n  * ${VAULT}, interrupted while updating\n`);
    expect(pendingOps()).toEqual([`creating ${VAULT}`]);
  });
});
