/** Secret values between the driver's form (`value`) and the checkpoint's (`ciphertext`/`plaintext`). */
import { goJson, makeSecret, openSecrets, sealSecrets, SECRET_SIG, SIG_KEY, ValueCrypter } from "../../../driver/checkpoint";

/** Reversible and readable, so the tables can show exactly what is encrypted. */
const stub: ValueCrypter = {
  encrypt: (s) => `enc(${s})`,
  decrypt: (s) => {
    const m = /^enc\((.*)\)$/s.exec(s);
    if (!m) throw new Error(`not a stub ciphertext: ${s}`);
    return m[1];
  },
};
const sealed = (ciphertext: string) => ({ [SIG_KEY]: SECRET_SIG, ciphertext });
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("goJson (the plaintext Pulumi encrypts: Go's json.Marshal)", () => {
  it.each([
    ["string", "s", '"s"'],
    ["number", 1.5, "1.5"],
    ["null", null, "null"],
    ["sorted keys, nested", { b: 1, a: { d: [2, { z: 0, y: 1 }], c: true } }, '{"a":{"c":true,"d":[2,{"y":1,"z":0}]},"b":1}'],
    ["HTML-safe escapes", "<a&b>\u2028\u2029", '"\\u003ca\\u0026b\\u003e\\u2028\\u2029"'],
  ])("%s", (_what, value, json) => {
    expect(goJson(value)).toBe(json);
  });
});

describe("sealSecrets / openSecrets", () => {
  it.each([
    ["plain values pass through", { a: "x", n: 1, b: false, z: null, l: [1, "2"], u: UNKNOWN }, { a: "x", n: 1, b: false, z: null, l: [1, "2"], u: UNKNOWN }],
    ["a string secret encrypts its JSON", { t: makeSecret("pw") }, { t: sealed('enc("pw")') }],
    ["an object secret encrypts its sorted JSON", { t: makeSecret({ b: 2, a: 1 }) }, { t: sealed('enc({"a":1,"b":2})') }],
    ["a secret in an array", { l: ["a", makeSecret(3)] }, { l: ["a", sealed("enc(3)")] }],
    ["a secret in a secret is serialized unencrypted inside", { t: makeSecret({ in: makeSecret("x") }) }, { t: sealed(`enc({"in":{"${SIG_KEY}":"${SECRET_SIG}","ciphertext":"\\"x\\""}})`) }],
    ["a null secret", { t: makeSecret(null) }, { t: sealed("enc(null)") }],
  ])("%s", (_what, driverForm, checkpointForm) => {
    expect(sealSecrets(driverForm, stub)).toEqual(checkpointForm);
    expect(openSecrets(checkpointForm, stub)).toEqual(driverForm);
  });

  it("keeps a secret that is already in checkpoint form", () => {
    expect(sealSecrets({ t: sealed("enc(1)") }, stub)).toEqual({ t: sealed("enc(1)") });
  });

  it("opens the plaintext form of `stack export --show-secrets`", () => {
    expect(openSecrets({ t: { [SIG_KEY]: SECRET_SIG, plaintext: '{"a":[1]}' } }, undefined)).toEqual({ t: makeSecret({ a: [1] }) });
  });

  it.each([
    ["neither ciphertext nor plaintext", { [SIG_KEY]: SECRET_SIG }, stub, /exactly one of `ciphertext` or `plaintext`/],
    ["both", { [SIG_KEY]: SECRET_SIG, ciphertext: "enc(1)", plaintext: "1" }, stub, /exactly one of/],
    ["a ciphertext and no passphrase", sealed("enc(1)"), undefined, /holds an encrypted secret and there is no passphrase/],
  ])("refuses %s", (_what, value, crypter, message) => {
    expect(() => openSecrets({ t: value }, crypter)).toThrow(message);
  });
});
