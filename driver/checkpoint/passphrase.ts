/**
 * A Pulumi-compatible passphrase secrets manager (the `passphrase` secrets provider): the key is derived from the
 * passphrase and the stack's `encryptionsalt` exactly as the Pulumi CLI (v3.248.0) derives it, so values encrypted
 * here decrypt with `pulumi` and the other way round. Node's crypto only.
 *
 * Formats (Pulumi v3.248.0 source):
 * - value: `v1:<base64 12-byte nonce>:<base64 AES-256-GCM ciphertext||16-byte tag>`
 *   (sdk/go/common/resource/config/crypt.go:179-183 EncryptValue, :232-249 encryptAES256GCGM, :189-225 DecryptValue);
 * - key: PBKDF2-HMAC-SHA256(passphrase, salt, 1,000,000 iterations, 32 bytes) (crypt.go:165-169, :173);
 * - encryptionsalt: `v1:<base64 8-byte salt>:<value of "pulumi">` (pkg/secrets/passphrase/manager.go:163-178);
 *   a passphrase is right when the value after the salt decrypts to "pulumi" (manager.go:48-73).
 */
import * as crypto from "node:crypto";
import { promisify } from "node:util";

/** PBKDF2 iterations Pulumi uses (crypt.go:168). */
export const PBKDF2_ITERATIONS = 1_000_000;
/** AES-256 key size (crypt.go:173 SymmetricCrypterKeyBytes). */
const KEY_BYTES = 32;
/** GCM nonce size: Go's cipher.NewGCM default, 12 bytes (crypt.go:235). */
const NONCE_BYTES = 12;
/** Go's GCM appends its 16-byte tag to the ciphertext (`aesgcm.Seal`, crypt.go:246). */
const TAG_BYTES = 16;
/** Salt size of a new stack (manager.go:165). */
const SALT_BYTES = 8;
/** The check value encrypted next to the salt (manager.go:174, verified at :67). */
const CHECK_PLAINTEXT = "pulumi";

const pbkdf2 = promisify(crypto.pbkdf2);

/** The passphrase does not unlock the stack's secrets. */
export class IncorrectPassphraseError extends Error {
  constructor(where: string) {
    super(
      `incorrect passphrase for ${where}: the value of PULUMI_CONFIG_PASSPHRASE (or the file named by ` +
        "PULUMI_CONFIG_PASSPHRASE_FILE) is not the passphrase this stack's secrets were encrypted with; set it to that passphrase",
    );
    this.name = "IncorrectPassphraseError";
  }
}

/** Parts of an `encryptionsalt` (`v1:<salt>:<check value>`). */
interface ParsedSalt {
  salt: Buffer;
  check: string;
}

/** Splits an `encryptionsalt` the way manager.go:49-66 does (SplitN into 3, the rest is the check value). */
function parseSalt(encryptionSalt: string): ParsedSalt {
  const i = encryptionSalt.indexOf(":");
  const j = i < 0 ? -1 : encryptionSalt.indexOf(":", i + 1);
  if (i < 0 || j < 0) throw new Error(`malformed encryptionsalt ${JSON.stringify(encryptionSalt)}: expected v1:<salt>:<check value>`);
  if (encryptionSalt.slice(0, i) !== "v1") throw new Error(`unknown encryptionsalt version ${JSON.stringify(encryptionSalt.slice(0, i))} (only v1 is known)`);
  return { salt: Buffer.from(encryptionSalt.slice(i + 1, j), "base64"), check: encryptionSalt.slice(j + 1) };
}

/** AES-256-GCM encryption in Pulumi's `v1:` value format, with a key already derived. */
export function encryptWithKey(key: Buffer, plaintext: string, nonce: Buffer = crypto.randomBytes(NONCE_BYTES)): string {
  const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
  const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
}

/** Decrypts a Pulumi `v1:` value; throws on a malformed value or a failed authentication (wrong key). */
export function decryptWithKey(key: Buffer, value: string): string {
  const parts = value.split(":");
  if (parts.length !== 3) throw new Error("bad value: expected v1:<nonce>:<ciphertext>"); // crypt.go:192-194
  if (parts[0] !== "v1") throw new Error(`unknown value version ${JSON.stringify(parts[0])}`); // crypt.go:196-198
  const nonce = Buffer.from(parts[1], "base64");
  const sealed = Buffer.from(parts[2], "base64");
  if (nonce.length !== NONCE_BYTES) throw new Error("bad value: nonce size is incorrect"); // crypt.go:218-220
  if (sealed.length < TAG_BYTES) throw new Error("bad value: ciphertext shorter than the GCM tag");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
}

/** Encrypts and decrypts values of one stack; build it with {@link PassphraseCrypter.open} or {@link PassphraseCrypter.create}. */
export class PassphraseCrypter {
  private constructor(
    private readonly key: Buffer,
    /** The stack's `encryptionsalt` (also the checkpoint's `secrets_providers.state.salt`). */
    readonly encryptionSalt: string,
  ) {}

  /**
   * Unlocks an existing stack: derives the key from `passphrase` and the salt, and checks it against the salt's check
   * value. `where` names the stack in the error. Takes about a second (1,000,000 PBKDF2 rounds), off the main thread.
   */
  static async open(passphrase: string, encryptionSalt: string, where = "the stack"): Promise<PassphraseCrypter> {
    const { salt, check } = parseSalt(encryptionSalt);
    const key = await pbkdf2(passphrase, salt, PBKDF2_ITERATIONS, KEY_BYTES, "sha256");
    return PassphraseCrypter.verified(key, encryptionSalt, check, where);
  }

  /** {@link PassphraseCrypter.open}, blocking (for synchronous callers such as the state-file loader). */
  static openSync(passphrase: string, encryptionSalt: string, where = "the stack"): PassphraseCrypter {
    const { salt, check } = parseSalt(encryptionSalt);
    const key = crypto.pbkdf2Sync(passphrase, salt, PBKDF2_ITERATIONS, KEY_BYTES, "sha256");
    return PassphraseCrypter.verified(key, encryptionSalt, check, where);
  }

  /** A new stack's secrets manager: a fresh random salt and its check value (manager.go:163-178). */
  static async create(passphrase: string): Promise<PassphraseCrypter> {
    const salt = crypto.randomBytes(SALT_BYTES);
    const key = await pbkdf2(passphrase, salt, PBKDF2_ITERATIONS, KEY_BYTES, "sha256");
    return new PassphraseCrypter(key, `v1:${salt.toString("base64")}:${encryptWithKey(key, CHECK_PLAINTEXT)}`);
  }

  /** {@link PassphraseCrypter.create}, blocking (for the synchronous state-file writer). */
  static createSync(passphrase: string): PassphraseCrypter {
    const salt = crypto.randomBytes(SALT_BYTES);
    const key = crypto.pbkdf2Sync(passphrase, salt, PBKDF2_ITERATIONS, KEY_BYTES, "sha256");
    return new PassphraseCrypter(key, `v1:${salt.toString("base64")}:${encryptWithKey(key, CHECK_PLAINTEXT)}`);
  }

  private static verified(key: Buffer, encryptionSalt: string, check: string, where: string): PassphraseCrypter {
    let plain: string | undefined;
    try {
      plain = decryptWithKey(key, check);
    } catch {
      plain = undefined; // an authentication failure is what a wrong passphrase looks like (manager.go:67-69)
    }
    if (plain !== CHECK_PLAINTEXT) throw new IncorrectPassphraseError(where);
    return new PassphraseCrypter(key, encryptionSalt);
  }

  /** Encrypts a string into a `v1:<nonce>:<ciphertext>` value (a fresh random nonce each time). */
  encrypt(plaintext: string): string {
    return encryptWithKey(this.key, plaintext);
  }

  /** Decrypts a `v1:` value of this stack; a value of another stack or passphrase fails with the reason. */
  decrypt(value: string): string {
    try {
      return decryptWithKey(this.key, value);
    } catch (err) {
      throw new Error(`could not decrypt secret value: ${err instanceof Error ? err.message : String(err)} (a value encrypted with another stack's salt or passphrase?)`);
    }
  }
}
