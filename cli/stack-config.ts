/**
 * `Pulumi.<stack>.yaml` as the Pulumi CLI writes it (pkg/workspace/project.go `ProjectStack`): `encryptionsalt` (the
 * passphrase secrets manager's salt) and `config` with namespaced keys (`<project>:<key>`) whose values are strings,
 * objects (from `--path`) or `{ secure: "v1:…" }` for secrets. Other top-level fields are kept as they are.
 */
import * as fs from "node:fs";
import { makeSecret, PassphraseCrypter } from "../driver/checkpoint";
import { newStackCrypter, stackCrypter } from "../driver/secrets";
import { CliError, EXIT } from "./exit-codes";
import { messageOf } from "../provider/host/runner/message-of";

/** The parsed file; unknown top-level fields are kept for the round trip. */
export interface StackConfigDoc {
  encryptionsalt?: string;
  config?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A config value as the file holds it. */
type Secure = { secure: string };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types
const yaml = require("js-yaml") as { load(text: string): unknown; dump(value: unknown, options: Record<string, unknown>): string };

/** Reads `Pulumi.<stack>.yaml`; a missing (or empty) file is an empty document. */
export function readStackConfig(file: string): StackConfigDoc {
  if (!fs.existsSync(file)) return {};
  const doc = yaml.load(fs.readFileSync(file, "utf8")) ?? {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new CliError(`${file}: expected a YAML mapping`);
  return doc as StackConfigDoc;
}

/**
 * The file's text as the CLI writes it: `encryptionsalt` first, then `config`, two-space indent, double-quoted
 * strings where quoting is needed (`"1500"`), no line folding.
 */
export function renderStackConfig(doc: StackConfigDoc): string {
  const { encryptionsalt, config, ...rest } = doc;
  const ordered = { ...(encryptionsalt !== undefined ? { encryptionsalt } : {}), ...rest, ...(config && Object.keys(config).length > 0 ? { config } : {}) };
  return Object.keys(ordered).length === 0 ? "" : yaml.dump(ordered, { quotingType: '"', lineWidth: -1, noRefs: true });
}

/** Writes `Pulumi.<stack>.yaml`. */
export function writeStackConfig(file: string, doc: StackConfigDoc): void {
  fs.writeFileSync(file, renderStackConfig(doc));
}

/**
 * A config key with its namespace, as pulumi's `config.ParseKey` makes it: `key` → `<project>:key`, `ns:key` kept.
 * More than one `:` is an error, as there.
 */
export function namespacedKey(project: string, key: string): string {
  const parts = key.split(":");
  if (parts.length > 2 || parts.some((p) => p === "")) {
    throw new CliError(`could not parse ${JSON.stringify(key)} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`, EXIT.configuration);
  }
  return parts.length === 1 ? `${project}:${key}` : key;
}

function isSecure(v: unknown): v is Secure {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as Secure).secure === "string";
}

/** True when a value holds a `secure:` value anywhere (a `--path --secret` object). */
export function hasSecure(v: unknown): boolean {
  if (isSecure(v)) return true;
  if (v && typeof v === "object") return Object.values(v).some(hasSecure);
  return false;
}

/** True when any config value needs the passphrase to be read. */
export function needsCrypter(doc: StackConfigDoc): boolean {
  return Object.values(doc.config ?? {}).some(hasSecure);
}

/** The stack's crypter from the file's salt (passphrase from the environment); a new salt is added when `create`. */
export function stackConfigCrypter(doc: StackConfigDoc, where: string, create: boolean): PassphraseCrypter {
  try {
    if (doc.encryptionsalt) return stackCrypter(doc.encryptionsalt, where);
    if (!create) throw new Error(`${where} has secure config values but no encryptionsalt`);
    const crypter = newStackCrypter(where);
    doc.encryptionsalt = crypter.encryptionSalt;
    return crypter;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(messageOf(err));
  }
}

/** Sets `key` (namespaced) to a plain string, or to `{ secure }` encrypted with `crypter`. */
export function setConfigValue(doc: StackConfigDoc, key: string, value: string, crypter?: PassphraseCrypter): void {
  doc.config = { ...(doc.config ?? {}), [key]: crypter ? { secure: crypter.encrypt(value) } : value };
}

/** Decrypts every `secure:` inside a value. */
function decryptDeep(v: unknown, crypter: PassphraseCrypter): unknown {
  if (isSecure(v)) return crypter.decrypt(v.secure);
  if (Array.isArray(v)) return v.map((x) => decryptDeep(x, crypter));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decryptDeep(x, crypter)]));
  return v;
}

/** One value in plaintext (`config get`); undefined when the key is not set. */
export function getConfigValue(doc: StackConfigDoc, key: string, crypter?: PassphraseCrypter): unknown {
  const raw = doc.config?.[key];
  if (raw === undefined) return undefined;
  return hasSecure(raw) ? decryptDeep(raw, crypter!) : raw;
}

/**
 * The config for the engine (EngineOptions.config): namespaced keys, plain values as they are, and values with
 * `secure:` parts decrypted and wrapped as secrets, so the program sees `config.requireSecret` values as secrets.
 */
export function engineConfig(doc: StackConfigDoc, crypter?: PassphraseCrypter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(doc.config ?? {})) {
    out[key] = hasSecure(raw) ? makeSecret(decryptDeep(raw, crypter!)) : raw;
  }
  return out;
}
