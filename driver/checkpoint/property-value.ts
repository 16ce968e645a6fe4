/**
 * Secret values between the driver's form (`{ <sig>: <secret sig>, value }`, plaintext) and the checkpoint's
 * (`{ <sig>: <secret sig>, ciphertext }`), recursively through objects and arrays. Everything else (the unknown
 * sentinel, assets, resource references) has the same JSON form in both and passes through unchanged.
 */
import { hasSecretSig, makeSecret, SECRET_SIG, SIG_KEY } from "./secret-signature";

/** What encrypts and decrypts secret values (a {@link PassphraseCrypter} or a test double). */
export interface ValueCrypter {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

/** Pulumi's `config.NopEncrypter`/`NopDecrypter` (sdk/go/common/resource/config/crypt.go:66-76): for secrets nested in secrets. */
const NOP: ValueCrypter = { encrypt: (s) => s, decrypt: (s) => s };

/**
 * JSON as Go's `json.Marshal` writes it for a property value: object keys sorted, and `<`, `>`, `&`, U+2028, U+2029
 * escaped as `\u00XX` (Go's default HTML-safe escaping). This is the plaintext Pulumi encrypts
 * (pkg/resource/stack/deployment.go:764-772), so our ciphertexts decrypt to byte-identical text.
 */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Driver form → checkpoint form: each secret becomes `{ sig, ciphertext }` whose plaintext is the Go JSON of its
 * serialized element; secrets inside a secret are serialized with the no-op encrypter, as Pulumi does
 * (deployment.go:760-797). A secret already in checkpoint form is kept.
 */
export function sealSecrets(value: unknown, crypter: ValueCrypter): unknown {
  if (hasSecretSig(value)) {
    if (!("value" in value)) return value;
    const plaintext = goJson(sealSecrets(value.value, NOP));
    return { [SIG_KEY]: SECRET_SIG, ciphertext: crypter.encrypt(plaintext) };
  }
  if (Array.isArray(value)) return value.map((v) => sealSecrets(v, crypter));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sealSecrets(v, crypter)]));
  return value;
}

/**
 * Checkpoint form → driver form: `ciphertext` is decrypted (or `plaintext`, from `stack export --show-secrets`, is
 * taken), parsed as JSON and opened again with the no-op decrypter (deployment.go:910-950, :1001-1013, :1097-1103).
 * `crypter` undefined means no passphrase is at hand: meeting a ciphertext then fails with `missing`.
 */
export function openSecrets(value: unknown, crypter: ValueCrypter | undefined, missing = "no passphrase to decrypt it"): unknown {
  if (hasSecretSig(value)) {
    const { ciphertext, plaintext } = value;
    const hasCipher = typeof ciphertext === "string" && ciphertext !== "";
    const hasPlain = typeof plaintext === "string" && plaintext !== "";
    if (hasCipher === hasPlain) throw new Error("malformed secret value: exactly one of `ciphertext` or `plaintext` must be supplied");
    if (hasCipher && !crypter) throw new Error(`the checkpoint holds an encrypted secret and there is ${missing}`);
    const text = hasCipher ? crypter!.decrypt(ciphertext) : (plaintext as string);
    return makeSecret(openSecrets(JSON.parse(text), NOP));
  }
  if (Array.isArray(value)) return value.map((v) => openSecrets(v, crypter, missing));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, openSecrets(v, crypter, missing)]));
  return value;
}
