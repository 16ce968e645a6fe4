/**
 * The checkpoint module against the real Pulumi CLI (v3.248.0, file backend): a deployment the CLI wrote converts to
 * the driver's state with its secrets decrypted; the driver's state converts back to a deployment the CLI imports
 * into a fresh stack, shows the secret of, and then refreshes and previews without any change. No secret is ever in
 * plaintext in what the CLI stores or exports.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  fromDeployment,
  goJson,
  hasSecretSig,
  makeSecret,
  PassphraseCrypter,
  toDeployment,
  UntypedDeploymentV3,
} from "../../../driver/checkpoint";
import type { StackState } from "../../../driver/types";
import { pulumiFileBackendEnv } from "../../support/pulumi-cli";

jest.setTimeout(180_000);

const PROJECT = "checkpoint-lab";
const PASSPHRASE = "interop passphrase";
const TOKEN = "tok-8c1d-plaintext"; // a secret config value (a string secret)
const BLOB = { user: "admin", pass: "p<a>&ss-5e7f" }; // a secret object; `<>&` exercise Go's JSON escaping

/** A one-resource program: an inline no-op dynamic provider (no host access) with secret inputs. */
const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) { return { id: "note-1", outs: { text: inputs.text, blob: inputs.blob, label: inputs.label } }; },
  async read(id, props) { return { id, props }; },
  async diff(id, olds, news) { return { changes: JSON.stringify([olds.text, olds.blob, olds.label]) !== JSON.stringify([news.text, news.blob, news.label]) }; },
};
class Note extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(provider, name, { text: undefined, blob: undefined, label: undefined, ...args }, opts, "cp", "Note"); }
}
const config = new pulumi.Config();
const note = new Note("note", { text: config.requireSecret("token"), blob: pulumi.secret(${JSON.stringify(BLOB)}), label: "plain" });
exports.token = note.text;
exports.label = note.label;
`;

/** Every `{ <sig>: <secret sig>, ciphertext }` in a checkpoint. */
function ciphertexts(value: unknown): string[] {
  if (hasSecretSig(value)) return typeof value.ciphertext === "string" ? [value.ciphertext] : [];
  if (value && typeof value === "object") return Object.values(value).flatMap(ciphertexts);
  return [];
}

describe("checkpoint interop with the real Pulumi CLI", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-checkpoint-"));
  const program = path.join(work, "program");
  const backend = path.join(work, "backend");
  const env = pulumiFileBackendEnv(work, PASSPHRASE);
  const pulumi = (stack: string, args: string[]): string =>
    execFileSync("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd: program, env, encoding: "utf8", stdio: "pipe", timeout: 150_000 });
  const saltOf = (stack: string): string => /^encryptionsalt: (\S+)$/m.exec(fs.readFileSync(path.join(program, `Pulumi.${stack}.yaml`), "utf8"))![1];
  const storedCheckpoint = (stack: string): string => fs.readFileSync(path.join(backend, ".pulumi", "stacks", PROJECT, `${stack}.json`), "utf8");

  let exported: string;
  let deployment: UntypedDeploymentV3;
  let state: StackState;

  beforeAll(() => {
    fs.mkdirSync(program);
    fs.mkdirSync(backend);
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\nmain: index.js\n`);
    fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: PROJECT, private: true }));
    fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
    // Why a link: the program resolves @pulumi/pulumi from the repository's node_modules, as the fixtures do.
    fs.symlinkSync(path.resolve(__dirname, "..", "..", "..", "node_modules"), path.join(program, "node_modules"));
    execFileSync("pulumi", ["stack", "init", "src", "--non-interactive"], { cwd: program, env, stdio: "pipe" });
    pulumi("src", ["config", "set", "--secret", "token", TOKEN]);
    pulumi("src", ["up", "--yes", "--skip-preview"]);
    exported = pulumi("src", ["stack", "export"]);
    deployment = JSON.parse(exported) as UntypedDeploymentV3;
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("the CLI's export and stored checkpoint hold no secret in plaintext", () => {
    for (const text of [exported, storedCheckpoint("src")]) {
      for (const secret of [TOKEN, BLOB.pass, JSON.stringify(BLOB.pass)]) expect(text).not.toContain(secret);
      expect(text).toContain(`"ciphertext"`); // there are encrypted secrets to look at
    }
  });

  it("converts the CLI's deployment to the driver's state with the secrets decrypted", async () => {
    const crypter = await PassphraseCrypter.open(PASSPHRASE, deployment.deployment.secrets_providers!.state!.salt!);
    expect(crypter.encryptionSalt).toBe(saltOf("src")); // the checkpoint's salt is the stack's encryptionsalt
    const got = fromDeployment(deployment, crypter, PROJECT, "src");
    state = got.state;
    expect(got.dropped).toEqual([]);
    const root = state.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
    const note = state.resources.find((r) => r.type === "pulumi-nodejs:dynamic/cp:Note")!;
    expect(root.outputs).toEqual({ token: makeSecret(TOKEN), label: "plain" });
    expect(note).toMatchObject({ custom: true, id: "note-1", parent: root.urn });
    for (const props of [note.inputs, note.outputs]) expect(props).toMatchObject({ text: makeSecret(TOKEN), blob: makeSecret(BLOB), label: "plain" });
    expect(got.providers.map((p) => p.inputs)).toEqual([{ [`${PROJECT}:token`]: makeSecret(TOKEN) }]);
  });

  it("every CLI ciphertext decrypts to exactly the Go JSON the module writes (byte-compatible plaintexts)", async () => {
    const crypter = await PassphraseCrypter.open(PASSPHRASE, saltOf("src"));
    const all = ciphertexts(deployment.deployment.resources);
    expect(all.length).toBeGreaterThanOrEqual(7); // stack output, provider in/out, note text and blob in/out
    for (const c of all) {
      const plaintext = crypter.decrypt(c);
      expect(goJson(JSON.parse(plaintext))).toBe(plaintext);
    }
    // The program wrote BLOB with keys in the order user, pass: Go sorts them and escapes <>&, and so does goJson.
    expect(all.map((c) => crypter.decrypt(c))).toContain(goJson(BLOB));
    expect(goJson(BLOB)).toBe('{"pass":"p\\u003ca\\u003e\\u0026ss-5e7f","user":"admin"}');
  });

  it("a deployment converted from the driver's state imports into a fresh stack, shows its secret, and refreshes and previews with no change", async () => {
    execFileSync("pulumi", ["stack", "init", "dst", "--non-interactive"], { cwd: program, env, stdio: "pipe" });
    pulumi("dst", ["config", "set", "--secret", "token", TOKEN]);
    const crypter = await PassphraseCrypter.open(PASSPHRASE, saltOf("dst"));
    // The same resources in stack dst: the stack name is in every URN and in the root stack's name.
    const rename = (s: string) => s.replace(/^urn:pulumi:src::/, "urn:pulumi:dst::").replace(`::${PROJECT}-src`, `::${PROJECT}-dst`);
    const dstState: StackState = {
      ...state,
      stack: "dst",
      resources: state.resources.map((r) => ({ ...r, urn: rename(r.urn), parent: r.parent && rename(r.parent) })),
    };
    const file = path.join(work, "dst.json");
    const converted = toDeployment(dstState, { crypter, providerConfig: { [`${PROJECT}:token`]: makeSecret(TOKEN) } });
    fs.writeFileSync(file, JSON.stringify(converted, null, 2));
    for (const secret of [TOKEN, BLOB.pass]) expect(fs.readFileSync(file, "utf8")).not.toContain(secret);

    pulumi("dst", ["stack", "import", "--file", file]);
    const reread = async (): Promise<StackState> => {
      const d = JSON.parse(pulumi("dst", ["stack", "export"])) as UntypedDeploymentV3;
      return fromDeployment(d, await PassphraseCrypter.open(PASSPHRASE, d.deployment.secrets_providers!.state!.salt!), PROJECT, "dst").state;
    };
    expect(await reread()).toEqual(dstState); // the CLI keeps every field the driver has
    expect(JSON.parse(pulumi("dst", ["stack", "output", "--show-secrets", "--json"]))).toEqual({ token: TOKEN, label: "plain" });
    expect(JSON.parse(pulumi("dst", ["stack", "output", "--json"]))).toEqual({ token: "[secret]", label: "plain" });

    const preview = JSON.parse(pulumi("dst", ["preview", "--json", "--expect-no-changes"])) as { changeSummary?: Record<string, number> };
    expect(Object.keys(preview.changeSummary ?? {}).filter((op) => op !== "same")).toEqual([]);
    pulumi("dst", ["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    for (const secret of [TOKEN, BLOB.pass]) expect(storedCheckpoint("dst")).not.toContain(secret);
    // The CLI's own refresh drops propertyDependencies (v3.248.0 does the same to a stack it created itself).
    const comparable = (s: StackState) => s.resources.map(({ modified: _m, propertyDependencies: _p, ...r }) => r);
    expect(comparable(await reread())).toEqual(comparable(dstState));
  });

  it("a wrong passphrase is refused with the variable to set", async () => {
    await expect(PassphraseCrypter.open("not the passphrase", saltOf("src"), `stack ${PROJECT}/src`)).rejects.toThrow(
      /incorrect passphrase for stack checkpoint-lab\/src: .*PULUMI_CONFIG_PASSPHRASE/,
    );
  });
});
