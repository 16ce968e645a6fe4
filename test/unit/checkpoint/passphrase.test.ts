/**
 * The passphrase secrets manager against Pulumi's formats: values made by the real CLI (v3.248.0) decrypt, our own
 * values round-trip, a wrong passphrase is refused with the fix.
 */
import { decryptWithKey, encryptWithKey, IncorrectPassphraseError, PassphraseCrypter, PBKDF2_ITERATIONS } from "../../../driver/checkpoint";
import * as crypto from "node:crypto";

// Made with the real CLI: `pulumi stack init dev` (file backend, PULUMI_CONFIG_PASSPHRASE=fixed-pass),
// `pulumi config set --secret token s3cr3t-value`, then `pulumi up` and `pulumi stack export` of a program
// exporting the secret as the stack output `token`. Copied verbatim from Pulumi.dev.yaml and the export.
const CLI_PASSPHRASE = "fixed-pass";
const CLI_SALT = "v1:fmPLJD4H5Ws=:v1:kJsb4Zm0ELI1fRLq:8VGhge8xNu/ef9miqddZlywsgwrIUA==";
/** `config: cp-lab:token: secure:` — config secrets encrypt the raw string. */
const CLI_CONFIG_SECRET = "v1:xjUEZNvvSEmHnP2y:4dxW8kc9Y/D0Ap+V0W1WTun+gXAW/gN/+iwXQw==";
/** The stack output `token` in the checkpoint — checkpoint secrets encrypt the JSON of the value. */
const CLI_CHECKPOINT_SECRET = "v1:ZSSX9hcIRBa3qsO5:ym9TpPeg5+du9P+NnQFEv6Pk0ashXZ2OlXkyf1qf";

describe("PassphraseCrypter", () => {
  let cli: PassphraseCrypter;
  beforeAll(async () => {
    cli = await PassphraseCrypter.open(CLI_PASSPHRASE, CLI_SALT);
  });

  it("derives the key as Pulumi does: 1,000,000 PBKDF2-SHA256 rounds", () => {
    expect(PBKDF2_ITERATIONS).toBe(1_000_000);
  });

  it.each([
    ["config secret", CLI_CONFIG_SECRET, "s3cr3t-value"],
    ["checkpoint secret", CLI_CHECKPOINT_SECRET, '"s3cr3t-value"'],
  ])("decrypts a %s written by the real CLI", (_what, ciphertext, plaintext) => {
    expect(cli.decrypt(ciphertext)).toBe(plaintext);
  });

  it("keeps the salt it was opened with", () => {
    expect(cli.encryptionSalt).toBe(CLI_SALT);
  });

  it("openSync unlocks the same salt", () => {
    expect(PassphraseCrypter.openSync(CLI_PASSPHRASE, CLI_SALT).decrypt(CLI_CONFIG_SECRET)).toBe("s3cr3t-value");
  });

  it.each([["empty", ""], ["one char", "x"], ["ascii", "s3cr3t-value"], ["json", '{"a":[1,2,{"b":null}]}'], ["unicode and control", "ünïcødé ✓ \u0000 \n"], ["10,000 chars", "y".repeat(10_000)]])(
    "encrypt → decrypt round-trips a value (%s)",
    (_what, plaintext) => {
      const value = cli.encrypt(plaintext);
      expect(value).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/=]*$/); // 12-byte nonce = 16 base64 chars
      expect(cli.decrypt(value)).toBe(plaintext);
    },
  );

  it("uses a fresh nonce for every value", () => {
    expect(cli.encrypt("same")).not.toBe(cli.encrypt("same"));
  });

  it("matches Go's Seal layout for a fixed key and nonce (ciphertext then 16-byte tag)", () => {
    const key = Buffer.alloc(32, 7);
    const nonce = Buffer.alloc(12, 1);
    const value = encryptWithKey(key, "pulumi", nonce);
    const sealed = Buffer.from(value.split(":")[2], "base64");
    expect(value.split(":")[1]).toBe("AQEBAQEBAQEBAQEB");
    expect(sealed).toHaveLength(6 + 16);
    const c = crypto.createCipheriv("aes-256-gcm", key, nonce);
    expect(sealed.subarray(0, 6)).toEqual(Buffer.concat([c.update("pulumi"), c.final()]));
    expect(decryptWithKey(key, value)).toBe("pulumi");
  });

  it("refuses a wrong passphrase, naming PULUMI_CONFIG_PASSPHRASE and the stack", async () => {
    const err = await PassphraseCrypter.open("wrong", CLI_SALT, "stack cp-lab/dev").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncorrectPassphraseError);
    expect((err as Error).message).toMatch(/^incorrect passphrase for stack cp-lab\/dev: .*PULUMI_CONFIG_PASSPHRASE/);
    expect(() => PassphraseCrypter.openSync("", CLI_SALT)).toThrow(IncorrectPassphraseError);
  });

  it.each([
    ["no separators", "garbage", /malformed encryptionsalt/],
    ["unknown version", "v2:fmPLJD4H5Ws=:v1:a:b", /unknown encryptionsalt version "v2"/],
  ])("rejects a malformed encryptionsalt (%s)", async (_what, salt, message) => {
    await expect(PassphraseCrypter.open(CLI_PASSPHRASE, salt)).rejects.toThrow(message);
  });

  it.each([
    ["two parts", "v1:abc", /bad value/],
    ["unknown version", "v9:AQEBAQEBAQEBAQEB:AAAA", /unknown value version/],
    ["short nonce", "v1:AQEB:AAAAAAAAAAAAAAAAAAAAAAAAAAAA", /nonce size is incorrect/],
    ["tampered ciphertext", CLI_CHECKPOINT_SECRET.slice(0, -6) + "AAAAAA", /could not decrypt/],
  ])("refuses to decrypt a bad value (%s)", (_what, value, message) => {
    expect(() => cli.decrypt(value)).toThrow(message);
  });

  it("creates a new stack salt that Pulumi's check accepts and another passphrase does not", async () => {
    const made = await PassphraseCrypter.create("new-pass");
    expect(made.encryptionSalt).toMatch(/^v1:[A-Za-z0-9+/]{11}=:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/=]+$/); // 8-byte salt
    const reopened = await PassphraseCrypter.open("new-pass", made.encryptionSalt);
    expect(reopened.decrypt(made.encrypt("v"))).toBe("v");
    await expect(PassphraseCrypter.open("other", made.encryptionSalt)).rejects.toThrow(IncorrectPassphraseError);
  });
});
