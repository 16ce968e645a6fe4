/**
 * The `qemu-lab` command as a user runs it: `node dist/cli/main.js …` in a program folder with an inline no-op
 * dynamic provider, through a stack's life — init, config (a secret), up, output, refresh, export/import, a failed
 * up, Ctrl-C during an up, destroy — checking exit codes (pulumi's), the transcript, and that the secret is never
 * in plaintext in the state, a transcript, or `Pulumi.<stack>.yaml`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { steps } from "../../support/steps";

jest.setTimeout(120_000);

const MAIN = path.resolve(__dirname, "..", "..", "..", "dist", "cli", "main.js");
const PROJECT = "cmd-lab";
const TOKEN = "tok-3f9a-plaintext"; // the secret config value
const PASSPHRASE = "command passphrase";

/** One no-op dynamic resource; `delayMs` slows its update (for Ctrl-C), `fail` makes create/update fail. */
const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const provider = {
  async create(inputs) { if (inputs.fail) throw new Error("create refused by the test"); return { id: "note-1", outs: inputs }; },
  async read(id, props) { return { id, props }; },
  async diff(id, olds, news) { return { changes: JSON.stringify([olds.text, olds.label, olds.fail]) !== JSON.stringify([news.text, news.label, news.fail]) }; },
  async update(id, olds, news) { await wait(news.delayMs || 0); if (news.fail) throw new Error("update refused by the test"); return { outs: news }; },
  async delete() {},
};
class Note extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(provider, name, { text: undefined, label: undefined, fail: undefined, delayMs: undefined, ...args }, opts, "cmd", "Note"); }
}
const config = new pulumi.Config();
const note = new Note("note", { text: config.requireSecret("token"), label: config.get("label") || "plain", fail: config.getBoolean("fail") || false, delayMs: config.getNumber("delayMs") || 0 });
exports.token = note.text;
exports.label = note.label;
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("qemu-lab command (dist/cli/main.js)", () => {
  const step = steps();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-command-"));
  const program = path.join(work, "program");
  const backend = path.join(work, "backend");
  const env: NodeJS.ProcessEnv = { ...process.env, QEMU_LAB_BACKEND_DIR: backend, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not the user's
  const transcripts: string[] = [];
  const stateFile = path.join(backend, "stacks", PROJECT, "dev.json");
  const stackConfig = path.join(program, "Pulumi.dev.yaml");

  /** Starts `qemu-lab <args>` in the program folder (stdin a pipe: a non-interactive session). */
  function start(args: string[], onStdout?: (text: string) => void): { child: ReturnType<typeof spawn>; done: Promise<Run> } {
    // Its own process group, as a shell job: Ctrl-C in a terminal goes to the whole group.
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: program, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b: Buffer) => {
      stdout += b.toString();
      onStdout?.(stdout);
    });
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdin!.end();
    const done = new Promise<Run>((resolve) =>
      child.on("close", (code) => {
        transcripts.push(stdout, stderr);
        resolve({ code, stdout, stderr });
      }),
    );
    return { child, done };
  }

  const qemuLab = (...args: string[]) => start(args).done;

  /** Runs a command that must succeed; shows its output when it does not. */
  async function ok(...args: string[]): Promise<string> {
    const r = await qemuLab(...args);
    if (r.code !== 0) throw new Error(`qemu-lab ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  const state = () => JSON.parse(fs.readFileSync(stateFile, "utf8")) as { version: number; deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
  const noteOutputs = () => state().deployment.resources!.find((r) => r.type === "pulumi-nodejs:dynamic/cmd:Note")?.outputs;

  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
    fs.mkdirSync(program, { recursive: true });
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\nmain: index.js\n`);
    fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: PROJECT, private: true }));
    fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
    // Why a link: the program resolves @pulumi/pulumi from the repository's node_modules, as the fixtures do.
    fs.symlinkSync(path.resolve(__dirname, "..", "..", "..", "node_modules"), path.join(program, "node_modules"));
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  step("without a stack: exit 6 and pulumi's message", async () => {
    const r = await qemuLab("up", "--yes");
    expect(r.code).toBe(6);
    expect(r.stderr).toBe("error: no stack selected; please use `qemu-lab stack select` or `qemu-lab stack init` to choose one\n");
  });

  step("stack init: the stack is created and selected, with a passphrase salt in Pulumi.dev.yaml", async () => {
    expect(await ok("stack", "init", "dev")).toBe("Created stack 'dev'\n");
    expect(fs.readFileSync(stackConfig, "utf8")).toMatch(/^encryptionsalt: v1:[^:]+:v1:[^:]+:\S+\n$/);
    expect(state().version).toBe(3);
  });

  step("config set (--secret): written as the CLI does, the secret encrypted; config get decrypts it", async () => {
    await ok("config", "set", "--secret", "token", TOKEN);
    await ok("config", "set", "label", "hello");
    const text = fs.readFileSync(stackConfig, "utf8");
    expect(text).toMatch(/config:\n {2}cmd-lab:token:\n {4}secure: v1:\S+\n {2}cmd-lab:label: hello\n/);
    expect(await ok("config", "get", "token")).toBe(`${TOKEN}\n`);
    const missing = await qemuLab("config", "get", "nope");
    expect([missing.code, missing.stderr]).toEqual([1, "error: configuration key 'nope' not found for stack 'dev'\n"]);
  });

  step("up without --yes in a non-interactive session: exit 2, nothing done", async () => {
    const r = await qemuLab("up");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --yes must be passed in to proceed when running in non-interactive mode\n");
    expect(state().deployment.resources ?? []).toEqual([]);
  });

  step("up --yes: pulumi's transcript, exit 0, the secret shown as [secret]", async () => {
    const out = await ok("up", "--yes");
    expect(out).toMatch(/^Updating \(dev\):\n/);
    expect(out).toContain(" +  pulumi-nodejs:dynamic/cmd:Note note creating (0s)\n");
    expect(out).toMatch(/ \+ {2}pulumi-nodejs:dynamic\/cmd:Note note created \(\d+\.\d\ds\)\n/);
    expect(out).toMatch(/Outputs:\n {4}label: "hello"\n {4}token: \[secret\]\n/);
    expect(out).toContain("Resources:\n    + 2 created\n");
    expect(noteOutputs()).toMatchObject({ label: "hello", text: { ciphertext: expect.any(String) } });
    expect(fs.readFileSync(stateFile, "utf8")).not.toContain(TOKEN);
  });

  step("stack output: the table with [secret]; --show-secrets --json the value", async () => {
    expect(await ok("stack", "output")).toBe("Current stack outputs (2):\n    OUTPUT  VALUE\n    label   hello\n    token   [secret]\n");
    expect(await ok("stack", "output", "token")).toBe("[secret]\n");
    expect(JSON.parse(await ok("stack", "output", "--json", "--show-secrets"))).toEqual({ label: "hello", token: TOKEN });
  });

  step("graph: the stack as mermaid (a no-op resource is no lab part: an empty chart)", async () => {
    expect(await ok("graph", "--format", "mermaid")).toMatch(/^flowchart LR\n/);
  });

  step("refresh --yes: nothing drifted", async () => {
    const out = await ok("refresh", "--yes");
    expect(out).toMatch(/^Refreshing \(dev\):\n/);
    expect(out).toContain("Resources:\n    2 unchanged\n");
  });

  step("up --yes --json: the result as JSON, secrets masked", async () => {
    const result = JSON.parse(await ok("up", "--yes", "--json")) as { kind: string; summary: unknown; outputs: unknown };
    expect(result).toMatchObject({ kind: "up", summary: { same: 2 }, outputs: { label: "hello", token: "[secret]" } });
  });

  step("stack export / import: deployment v3, the secret encrypted unless --show-secrets; import restores it", async () => {
    const exported = await ok("stack", "export");
    const deployment = JSON.parse(exported) as { version: number; deployment: { secrets_providers: { type: string } } };
    expect(deployment.version).toBe(3);
    expect(deployment.deployment.secrets_providers.type).toBe("passphrase");
    expect(exported).toContain('"ciphertext"');
    const shown = await ok("stack", "export", "--show-secrets");
    expect(shown).toContain(`"plaintext": "\\"${TOKEN}\\""`);
    transcripts.splice(transcripts.indexOf(shown), 1); // the one place the secret is meant to be in plaintext
    const file = path.join(work, "export.json");
    await ok("stack", "export", "--file", file);
    fs.rmSync(stateFile);
    await ok("stack", "init", "dev"); // an empty stack again, then the export brings the resources back
    expect(await ok("stack", "import", "--file", file)).toBe("Import complete.\n");
    expect(fs.readFileSync(stateFile, "utf8")).not.toContain(TOKEN);
    expect(JSON.parse(await ok("stack", "output", "--json", "--show-secrets"))).toEqual({ label: "hello", token: TOKEN });
  });

  step("a failing up: exit 1, the error in the transcript's diagnostics", async () => {
    await ok("config", "set", "fail", "true");
    const r = await qemuLab("up", "--yes");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("update refused by the test");
    expect(r.stdout).toMatch(/Diagnostics:\n/);
    await ok("config", "set", "fail", "false");
  });

  step("Ctrl-C during an up: pulumi's message, the step in flight finishes and is saved, exit 8", async () => {
    await ok("config", "set", "delayMs", "3000");
    await ok("config", "set", "label", "changed");
    let sent = false;
    const { child, done } = start(["up", "--yes"], (out) => {
      if (!sent && out.includes("note updating")) {
        sent = true;
        process.kill(-child.pid!, "SIGINT"); // the whole foreground group, as a terminal's Ctrl-C: the program and provider must survive it
      }
    });
    const r = await done;
    expect(sent).toBe(true);
    expect(r.stdout).toContain("^C received; cancelling. If you would like to terminate immediately, press ^C again.\n");
    expect(r.code).toBe(8);
    expect(noteOutputs()).toMatchObject({ label: "changed" }); // the update in flight was finished and recorded
    await ok("config", "set", "delayMs", "0");
  });

  step("destroy --yes: everything deleted, exit 0", async () => {
    const out = await ok("destroy", "--yes");
    expect(out).toMatch(/^Destroying \(dev\):\n/);
    expect(out).toContain("Resources:\n    - 2 deleted\n");
    expect(await ok("stack", "output")).toBe("Current stack outputs (0):\n    No output values currently in this stack\n");
  });

  step("the secret was never in plaintext: not in Pulumi.dev.yaml or any transcript (the state: checked above)", () => {
    expect(fs.readFileSync(stackConfig, "utf8")).not.toContain(TOKEN);
    const leaked = transcripts.filter((t) => t.includes(TOKEN));
    // The places the test asked for it: config get, stack output --show-secrets.
    expect(leaked.filter((t) => t !== `${TOKEN}\n` && !t.includes(`"token": "${TOKEN}"`))).toEqual([]);
  });
});
