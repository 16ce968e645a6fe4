/**
 * The `additionalSecretOutputs` resource option, under qemu-lab and the real pulumi (one program, file backends):
 * the named output, which the provider returns in plaintext, is a secret in the state (encrypted: its plaintext is
 * nowhere in the state file), `[secret]` in every display and in `stack output`, and its value with
 * `--show-secrets`; it stays so through an update and a refresh. `id` cannot be made secret: both warn alike.
 */
import * as fs from "node:fs";
import { hasSecretSig } from "../../../driver/checkpoint";
import { CliPair } from "./cli-pair";
import { steps } from "../../support/steps";

jest.setTimeout(240_000);

const PROJECT = "secret-outputs-lab";
const TYPE = "pulumi-nodejs:dynamic/aso:Vault";
const token = (seed: string) => `tok-${seed}-4e2b-plaintext`;
const ID_WARNING = "The 'id' property cannot be made secret. See pulumi/pulumi#2717 for more details.";

/** `vault` returns a token (made from a plain seed) in plaintext; the program asks for it to be a secret output. */
const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const outs = (inputs) => ({ ...inputs, token: "tok-" + inputs.seed + "-4e2b-plaintext" });
const provider = {
  async create(inputs) { return { id: "vault-" + inputs.seed, outs: outs(inputs) }; },
  async read(id, props) { return { id, props }; },
  async diff(id, olds, news) { return { changes: olds.seed !== news.seed }; },
  async update(id, olds, news) { return { outs: outs(news) }; },
  async delete() {},
};
class Vault extends pulumi.dynamic.Resource {
  constructor(name, args, opts) { super(provider, name, { token: undefined, ...args }, opts, "aso", "Vault"); }
}
const config = new pulumi.Config();
const vault = new Vault("vault", { seed: config.require("seed") }, { additionalSecretOutputs: ["token"] });
new Vault("named-id", { seed: "fixed" }, { additionalSecretOutputs: ["id", "missing"] });
exports.token = vault.token;
exports.seed = vault.seed;
`;

interface Checkpoint {
  deployment: { resources?: { urn: string; type: string; id?: string; outputs?: Record<string, unknown> }[] };
}

/** Which outputs of each dynamic resource, and of the stack, are secrets in a checkpoint. */
function secretOutputs(text: string): Record<string, string[]> {
  const checkpoint = JSON.parse(text) as Checkpoint;
  const out: Record<string, string[]> = {};
  for (const r of checkpoint.deployment.resources ?? []) {
    if (r.type !== TYPE && r.type !== "pulumi:pulumi:Stack") continue;
    const name = r.urn.slice(r.urn.lastIndexOf("::") + 2);
    out[name] = Object.entries(r.outputs ?? {})
      .filter(([, v]) => hasSecretSig(v))
      .map(([k]) => k)
      .sort();
  }
  return out;
}

describe("additionalSecretOutputs (qemu-lab and the real pulumi)", () => {
  const step = steps();
  const pair = new CliPair(PROJECT, PROGRAM, "secret outputs passphrase");
  afterAll(() => pair.cleanup());
  const labState = () => fs.readFileSync(pair.labStateFile("dev"), "utf8");
  const expected = { vault: ["token"], "named-id": [], [`${PROJECT}-dev`]: ["token"] };

  step("up: the token is a secret in the state (no plaintext in the file), [secret] in the transcript", async () => {
    await pair.init("dev", { seed: "s1" });
    const lab = await pair.ok("qemu-lab", "up", "--yes");
    expect(lab).toMatch(/Outputs:\n {4}seed: "s1"\n {4}token: \[secret\]\n/);
    expect(lab).toContain(`warning: ${ID_WARNING}`);
    expect(labState()).not.toContain(token("s1"));
    expect(secretOutputs(labState())).toEqual(expected);
  });

  step("the real pulumi, same program: the same outputs are secrets, and it warns alike about `id`", async () => {
    const out = await pair.ok("pulumi", "up", "--yes", "--skip-preview");
    expect(out).toContain(`warning: ${ID_WARNING}`);
    const exported = await pair.ok("pulumi", "stack", "export");
    expect(exported).not.toContain(token("s1"));
    expect(secretOutputs(exported)).toEqual(expected);
    expect(fs.readFileSync(pair.pulumiStateFile("dev"), "utf8")).not.toContain(token("s1"));
  });

  step("stack output: [secret] without --show-secrets, the value with it, under both CLIs", async () => {
    for (const cli of ["qemu-lab", "pulumi"] as const) {
      expect(JSON.parse(await pair.ok(cli, "stack", "output", "--json"))).toEqual({ seed: "s1", token: "[secret]" });
      expect(await pair.ok(cli, "stack", "output", "token")).toBe("[secret]\n");
      expect(JSON.parse(await pair.ok(cli, "stack", "output", "--json", "--show-secrets"))).toEqual({ seed: "s1", token: token("s1") });
    }
  });

  step("an update (--diff, --json) keeps the new token secret everywhere", async () => {
    await pair.config({ seed: "s2" });
    const shown = await pair.ok("qemu-lab", "up", "--yes", "--diff");
    expect(shown).toMatch(/\n {6}~ seed: "s1" => "s2"\n/);
    expect(shown).toContain("token: [secret]");
    expect(labState()).not.toContain(token("s2"));
    expect(secretOutputs(labState())).toEqual(expected);
    const json = await pair.ok("qemu-lab", "preview", "--json");
    expect((JSON.parse(json) as { outputs: Record<string, unknown> }).outputs).toEqual({ seed: "s2", token: "[secret]" });
  });

  step("refresh keeps it a secret", async () => {
    await pair.ok("qemu-lab", "refresh", "--yes");
    expect(labState()).not.toContain(token("s2"));
    expect(secretOutputs(labState())).toEqual(expected);
  });

  step("no token was printed by either CLI, except by --show-secrets", () => {
    const shown = pair.transcripts.filter((t) => t.includes(token("s1")));
    expect(shown).toHaveLength(2); // the two `stack output --show-secrets`
    for (const text of pair.transcripts) expect(text).not.toContain(token("s2"));
  });
});
