/**
 * The driver's state file against the real Pulumi CLI (v3.248.0, file backend, same passphrase), with secrets: a
 * stack the driver wrote imports into the CLI, whose `stack output --show-secrets` decrypts it and whose refresh and
 * preview find nothing to change; a stack the CLI created and exported runs under the driver as a no-op. No secret
 * is ever in plaintext in either engine's files.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver } from "../../../driver";
import { makeSecret, UntypedDeploymentV3 } from "../../../driver/checkpoint";
import { pulumiFileBackendEnv } from "../../support/pulumi-cli";
import { PASSWORD, SECRETS_PROGRAM as FIXTURE } from "../driver/state-fixture";

jest.setTimeout(240_000);

const PROJECT = "secrets-lab";
const TOKEN = "tok-4b1f-interop-secret";
const PASSPHRASE = "secrets interop passphrase";

describe("the driver's checkpoint with secrets, with the real Pulumi CLI", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-secrets-"));
  const program = path.join(work, "program");
  const backend = path.join(work, "backend");
  const root = path.join(work, "root");
  const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
  const env = pulumiFileBackendEnv(work, PASSPHRASE);
  const pulumi = (stack: string, args: string[]): string =>
    execFileSync("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd: program, env, encoding: "utf8", stdio: "pipe", timeout: 200_000 });
  const initStack = (stack: string) => {
    execFileSync("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd: program, env, stdio: "pipe" });
    pulumi(stack, ["config", "set", "--secret", "token", TOKEN]);
    pulumi(stack, ["config", "set", "root", root]);
  };
  const saltOf = (stack: string) => /^encryptionsalt: (\S+)$/m.exec(fs.readFileSync(path.join(program, `Pulumi.${stack}.yaml`), "utf8"))![1];
  const storedCheckpoint = (stack: string) => fs.readFileSync(path.join(backend, ".pulumi", "stacks", PROJECT, `${stack}.json`), "utf8");
  const expectNoPlaintext = (text: string) => {
    for (const secret of [PASSWORD, TOKEN]) expect(text).not.toContain(secret);
  };
  let transcript = "";
  const driver = (stack: string, stateFile: string) =>
    new LifecycleDriver({ programDir: program, stack, stateFile, config: { root, token: makeSecret(TOKEN) }, write: (t) => (transcript += t) });

  beforeAll(() => {
    for (const dir of [program, backend, root]) fs.mkdirSync(dir);
    for (const file of ["Pulumi.yaml", "index.js"]) fs.copyFileSync(path.join(FIXTURE, file), path.join(program, file));
    fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: PROJECT, private: true }));
    // Why a link: the program resolves @pulumi/pulumi from the repository's node_modules, as the fixtures do.
    fs.symlinkSync(path.resolve(__dirname, "..", "..", "..", "node_modules"), path.join(program, "node_modules"));
    process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE; // the driver reads it from its own environment
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
    else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("driver → CLI: the driver's state imports; the CLI decrypts its outputs and refreshes and previews with no change", async () => {
    initStack("dev");
    const stateFile = path.join(work, "dev.json");
    const up = await driver("dev", stateFile).up();
    expect(up.steps.find((s) => s.name === "vault")?.op).toBe("create");
    const written = fs.readFileSync(stateFile, "utf8");
    expectNoPlaintext(written);
    // The secrets are encrypted with the stack's own salt, the one the CLI keeps in Pulumi.dev.yaml.
    expect((JSON.parse(written) as UntypedDeploymentV3).deployment.secrets_providers).toEqual({ type: "passphrase", state: { salt: saltOf("dev") } });

    pulumi("dev", ["stack", "import", "--file", stateFile]);
    expect(JSON.parse(pulumi("dev", ["stack", "output", "--show-secrets", "--json"]))).toEqual({ password: PASSWORD, direct: PASSWORD, length: PASSWORD.length, label: "plain" });
    expect(JSON.parse(pulumi("dev", ["stack", "output", "--json"]))).toMatchObject({ password: "[secret]", direct: "[secret]" });
    pulumi("dev", ["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    pulumi("dev", ["preview", "--expect-no-changes"]);
    expectNoPlaintext(storedCheckpoint("dev"));
  });

  it("CLI → driver: a stack the CLI created, exported, runs under the driver as a no-op, secrets still encrypted", async () => {
    initStack("cli");
    pulumi("cli", ["up", "--yes", "--skip-preview"]);
    const stateFile = path.join(work, "cli.json");
    pulumi("cli", ["stack", "export", "--file", stateFile]);
    expectNoPlaintext(fs.readFileSync(stateFile, "utf8"));

    const up = await driver("cli", stateFile).up();
    expect(up.steps.map((s) => s.op)).toEqual(["same", "same"]);
    expect(up.outputs).toEqual({ password: makeSecret(PASSWORD), direct: makeSecret(PASSWORD), length: PASSWORD.length, label: "plain" });
    const written = fs.readFileSync(stateFile, "utf8");
    expectNoPlaintext(written);
    expect((JSON.parse(written) as UntypedDeploymentV3).deployment.secrets_providers?.state?.salt).toBe(saltOf("cli"));

    // And back: the CLI takes the driver's rewrite and still sees nothing to change.
    pulumi("cli", ["stack", "import", "--file", stateFile]);
    pulumi("cli", ["preview", "--expect-no-changes"]);
    expectNoPlaintext(transcript);
  });
});
