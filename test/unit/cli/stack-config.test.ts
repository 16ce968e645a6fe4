/**
 * `Pulumi.<stack>.yaml`: keys namespaced as pulumi does, the file rendered as the CLI writes it, and a round trip
 * with the real Pulumi CLI (v3.248.0): ours reads what `pulumi config set [--secret]` wrote (secrets decrypted and
 * marked secret), and `pulumi config get` reads what ours wrote.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeSecret } from "../../../driver/checkpoint";
import {
  engineConfig,
  getConfigValue,
  namespacedKey,
  needsCrypter,
  readStackConfig,
  renderStackConfig,
  setConfigValue,
  stackConfigCrypter,
  writeStackConfig,
} from "../../../cli/stack-config";
import { pulumiCliBin } from "../../support/pulumi-cli";

jest.setTimeout(60_000);

describe("namespacedKey", () => {
  test.each([
    ["mtu", "lab:mtu"],
    ["lab:mtu", "lab:mtu"],
    ["aws:region", "aws:region"],
    ["a.b", "lab:a.b"],
  ])("%s → %s", (key, expected) => expect(namespacedKey("lab", key)).toBe(expected));

  test.each(["a:b:c", ":x", "x:"])("%s is not a key", (key) => expect(() => namespacedKey("lab", key)).toThrow(/could not parse/));
});

describe("renderStackConfig", () => {
  it("writes encryptionsalt first, double-quoted strings that need quotes, no folding", () => {
    const text = renderStackConfig({
      config: { "lab:mtu": "1500", "lab:token": { secure: "v1:abc:def" }, "lab:name": "hello world", "lab:obj": { a: 1 } },
      encryptionsalt: "v1:salt:check",
    });
    expect(text).toBe(
      [
        "encryptionsalt: v1:salt:check",
        "config:",
        '  lab:mtu: "1500"',
        "  lab:token:",
        "    secure: v1:abc:def",
        "  lab:name: hello world",
        "  lab:obj:",
        "    a: 1",
        "",
      ].join("\n"),
    );
  });

  it("writes nothing for an empty document", () => expect(renderStackConfig({})).toBe(""));
});

describe("Pulumi.<stack>.yaml with the real Pulumi CLI", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-cli-config-"));
  const env = {
    ...process.env,
    PATH: `${pulumiCliBin()}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${path.join(work, "backend")}`,
    PULUMI_HOME: path.join(work, "home"),
    PULUMI_CONFIG_PASSPHRASE: "config passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "1",
  };
  const file = path.join(work, "Pulumi.dev.yaml");
  const pulumi = (...args: string[]) => execFileSync("pulumi", [...args, "--non-interactive"], { cwd: work, env, encoding: "utf8", stdio: "pipe" });
  const saved = process.env.PULUMI_CONFIG_PASSPHRASE;

  beforeAll(() => {
    fs.mkdirSync(path.join(work, "backend"));
    fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: cfg-lab\nruntime: nodejs\n");
    pulumi("stack", "init", "dev");
    pulumi("config", "set", "mtu", "1500");
    pulumi("config", "set", "--secret", "token", "s3cr3t-from-pulumi");
    pulumi("config", "set", "--path", "obj.a", "1");
    process.env.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE; // what our crypter reads
  });

  afterAll(() => {
    if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
    else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("reads what the CLI wrote: plain values as they are, the secret decrypted and marked secret", () => {
    const doc = readStackConfig(file);
    expect(needsCrypter(doc)).toBe(true);
    const crypter = stackConfigCrypter(doc, file, false);
    expect(engineConfig(doc, crypter)).toEqual({ "cfg-lab:mtu": "1500", "cfg-lab:token": makeSecret("s3cr3t-from-pulumi"), "cfg-lab:obj": { a: 1 } });
    expect(getConfigValue(doc, "cfg-lab:token", crypter)).toBe("s3cr3t-from-pulumi");
  });

  it("renders the CLI's file byte for byte", () => {
    expect(renderStackConfig(readStackConfig(file))).toBe(fs.readFileSync(file, "utf8"));
  });

  it("the CLI reads what we wrote (a secret with the stack's salt, a plain value), and the secret is not in the file", () => {
    const doc = readStackConfig(file);
    const crypter = stackConfigCrypter(doc, file, false);
    setConfigValue(doc, "cfg-lab:password", "pa55-from-qemu-lab", crypter);
    setConfigValue(doc, "cfg-lab:name", "hello world");
    writeStackConfig(file, doc);
    expect(fs.readFileSync(file, "utf8")).not.toContain("pa55-from-qemu-lab");
    expect(pulumi("config", "get", "password").trim()).toBe("pa55-from-qemu-lab");
    expect(pulumi("config", "get", "name").trim()).toBe("hello world");
    expect(pulumi("config", "get", "token").trim()).toBe("s3cr3t-from-pulumi");
  });

  it("a new stack file gets a salt the CLI accepts", () => {
    const other = path.join(work, "Pulumi.fresh.yaml");
    const doc = readStackConfig(other);
    const crypter = stackConfigCrypter(doc, other, true);
    setConfigValue(doc, "cfg-lab:token", "fresh-secret", crypter);
    writeStackConfig(other, doc);
    pulumi("stack", "init", "fresh"); // keeps the existing encryptionsalt
    expect(pulumi("config", "get", "token", "--stack", "fresh").trim()).toBe("fresh-secret");
  });
});
