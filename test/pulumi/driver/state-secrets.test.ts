/**
 * Secrets end to end under the lifecycle driver: a `pulumi.secret(...)` resource input, a secret stack output and a
 * secret config value reach the provider as plaintext, stay marked in memory, print as `[secret]`, and are only
 * ever encrypted on disk (the state file is a Pulumi checkpoint with the passphrase secrets provider).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver, OperationResult } from "../../../driver";
import { hasSecretSig, makeSecret, PassphraseCrypter, UntypedDeploymentV3 } from "../../../driver/checkpoint";
import { PASSWORD, SECRETS_PROGRAM } from "./state-fixture";

jest.setTimeout(120_000);

const TOKEN = "tok-9d2e-config-secret";
const PASSPHRASE = "state secrets passphrase";

const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

describe("lifecycle driver: secrets", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "driver-secrets-"));
  const stateFile = path.join(root, "state", "dev.json");
  const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
  let transcript = "";
  const driver = (config: Record<string, unknown> = {}) =>
    new LifecycleDriver({
      programDir: SECRETS_PROGRAM,
      stack: "dev",
      stateFile,
      config: { root, token: makeSecret(TOKEN), ...config },
      verbose: true, // the provider's stderr too: nothing it prints may hold a secret either
      write: (t) => (transcript += t),
    });
  /** Every text a secret must never be in: the state file, the transcript, the provider's log, the diagnostics. */
  const expectNoPlaintext = (result?: OperationResult) => {
    const texts = [fs.readFileSync(stateFile, "utf8"), transcript, fs.readFileSync(path.join(root, "provider.log"), "utf8")];
    if (result) texts.push(JSON.stringify(result.diagnostics));
    for (const text of texts) for (const secret of [PASSWORD, TOKEN]) expect(text).not.toContain(secret);
  };

  beforeAll(() => {
    process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
    else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("up: the provider gets the plaintext; outputs, state and printout keep them secret", async () => {
    const up = await driver().up();
    expect(up.steps.find((s) => s.name === "vault")).toMatchObject({ op: "create" });
    // The provider saw the plaintexts (it logs only their hashes).
    expect(fs.readFileSync(path.join(root, "provider.log"), "utf8")).toBe(`create vault password=${sha(PASSWORD)} token=${sha(TOKEN)}\n`);
    // Stack outputs: the program's own secret, and the provider's output for a secret input (kept secret by the
    // engine's annotateSecrets rule); `length` is another key, so it is not secret.
    expect(up.outputs).toEqual({ password: makeSecret(PASSWORD), direct: makeSecret(PASSWORD), length: PASSWORD.length, label: "plain" });
    expect(transcript).toMatch(/^ {4}password: \[secret\]$/m);
    expect(transcript).toMatch(/^ {4}direct: \[secret\]$/m);
    expect(transcript).toMatch(/^ {4}label: "plain"$/m);
    expectNoPlaintext(up);
  });

  it("the state file is a Pulumi checkpoint whose secrets decrypt with the passphrase", async () => {
    const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as UntypedDeploymentV3;
    expect(checkpoint.version).toBe(3);
    expect(checkpoint.deployment.secrets_providers?.type).toBe("passphrase");
    const crypter = await PassphraseCrypter.open(PASSPHRASE, checkpoint.deployment.secrets_providers!.state!.salt!);
    const vault = checkpoint.deployment.resources!.find((r) => r.urn.endsWith("::vault"))!;
    for (const props of [vault.inputs!, vault.outputs!]) {
      for (const [key, plaintext] of [["password", PASSWORD], ["token", TOKEN]]) {
        const value = props[key] as Record<string, string>;
        expect(hasSecretSig(value)).toBe(true);
        expect(JSON.parse(crypter.decrypt(value.ciphertext))).toBe(plaintext);
      }
    }
    // The driver reads it back with the secrets marked.
    const state = driver().state();
    expect(state.resources.find((r) => r.urn.endsWith("::vault"))!.outputs).toMatchObject({ password: makeSecret(PASSWORD), token: makeSecret(TOKEN), length: PASSWORD.length });
  });

  it("an unchanged program is a no-op; preview, refresh and an update keep the secrets secret", async () => {
    const again = await driver().up();
    expect(again.steps.filter((s) => s.custom).map((s) => s.op)).toEqual(["same"]);
    const preview = await driver({ rev: "2" }).preview();
    expect(preview.steps.find((s) => s.name === "vault")).toMatchObject({ op: "update" });
    const refreshed = await driver().refresh();
    expect(refreshed.steps.filter((s) => s.custom).map((s) => s.op)).toEqual(["same"]);
    const updated = await driver({ rev: "2" }).up();
    expect(updated.steps.find((s) => s.name === "vault")).toMatchObject({ op: "update" });
    expect(updated.outputs.password).toEqual(makeSecret(PASSWORD));
    expectNoPlaintext(updated);
  });

  it("without the passphrase the state is refused with the variable to set; with a wrong one too", () => {
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    try {
      expect(() => driver().state()).toThrow(/PULUMI_CONFIG_PASSPHRASE/);
      process.env.PULUMI_CONFIG_PASSPHRASE = "not it";
      expect(() => driver().state()).toThrow(/incorrect passphrase/);
    } finally {
      process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
    }
  });

  it("destroy leaves an empty checkpoint", async () => {
    await driver().destroy();
    expect(driver().state().resources).toEqual([]);
    expectNoPlaintext();
  });
});
