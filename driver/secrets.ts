/**
 * Secret values in the driver: marked in memory with Pulumi's secret signature (`{ <sig>: <secret sig>, value }`),
 * hidden as `[secret]` wherever they are printed, stripped before they reach a provider that does not accept them
 * and re-marked on what it returns (as the engine does), and encrypted on disk with the stack's passphrase.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { hasSecretSig, makeSecret, PassphraseCrypter, SECRET_SIG, SIG_KEY } from "./checkpoint";
import type { PropertyMap } from "./rpc";

export { hasSecretSig as isSecret, makeSecret };

/** What a secret shows as in every printed line (the CLI's display of a secret, pkg/display). */
export const SECRET_MASK = "[secret]";

/** True when the value is or contains a secret. */
export function containsSecrets(value: unknown): boolean {
  if (hasSecretSig(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecrets);
  if (value && typeof value === "object") return Object.values(value).some(containsSecrets);
  return false;
}

/**
 * The value with every secret replaced by its plaintext: what a provider that answered `acceptSecrets: false`
 * receives (the engine marshals with `KeepSecrets: protocol.acceptSecrets`, sdk/go/common/resource/plugin/
 * provider_plugin.go:1190, :1206, :1317-1343, :1448, :1556-1580, :1724-1757, :1855-1878).
 */
export function revealSecrets<T>(value: T): T {
  if (hasSecretSig(value)) return revealSecrets(value.value) as T;
  if (Array.isArray(value)) return value.map(revealSecrets) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)])) as T;
  return value;
}

/**
 * Copies "secretness" from `ins` to `outs`, in place: a key present in both becomes secret in `outs` when its input
 * value contains a secret; when both values are objects it recurses instead. A port of the engine's
 * `annotateSecrets` (sdk/go/common/resource/plugin/provider_plugin.go:900-928), which the engine applies to the
 * results of Check (:1264), Create (:1506), Read (:1652-1654) and Update (:1813) of a provider without secrets
 * support — the dynamic provider answers Configure with `acceptSecrets: false` (@pulumi/pulumi
 * cmd/dynamic-provider/index.js:111). The step executor then also makes any output whose same-named input is secret
 * a secret (pkg/resource/deploy/step_executor.go:555-566), which this already covers.
 */
export function annotateSecrets(outs: PropertyMap | undefined, ins: PropertyMap | undefined): void {
  if (!outs || !ins) return;
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in outs)) continue;
    const outValue = outs[key];
    if (isPlainObject(outValue) && isPlainObject(inValue)) annotateSecrets(outValue, inValue);
    else if (!hasSecretSig(outValue) && containsSecrets(inValue)) outs[key] = makeSecret(outValue);
  }
}

function isPlainObject(v: unknown): v is PropertyMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !hasSecretSig(v);
}

/** The value with every secret replaced by {@link SECRET_MASK}, for display. */
export function maskSecrets<T>(value: T): T {
  if (hasSecretSig(value)) return SECRET_MASK as T;
  if (Array.isArray(value)) return value.map(maskSecrets) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)])) as T;
  return value;
}

/** Every plaintext string inside the secrets of a value (what must never appear on disk or in output). */
export function secretPlaintexts(value: unknown): string[] {
  if (hasSecretSig(value)) {
    const inner = revealSecrets(value.value);
    return typeof inner === "string" ? [inner] : [JSON.stringify(inner)];
  }
  if (Array.isArray(value)) return value.flatMap(secretPlaintexts);
  if (value && typeof value === "object") return Object.values(value).flatMap(secretPlaintexts);
  return [];
}

/**
 * The stack passphrase from the environment, as the CLI reads it (pkg/secrets/passphrase/manager.go:378-397):
 * `PULUMI_CONFIG_PASSPHRASE` when set (even empty), else the trimmed contents of `PULUMI_CONFIG_PASSPHRASE_FILE`.
 * Undefined when neither is set.
 */
export function passphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (file) {
    try {
      return fs.readFileSync(path.resolve(file), "utf8").trim();
    } catch (err) {
      throw new Error(`unable to read PULUMI_CONFIG_PASSPHRASE_FILE ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return undefined;
}

/** The message when secrets must be encrypted or decrypted and there is no passphrase (manager.go:394-396). */
export const NO_PASSPHRASE =
  "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables";

/** `encryptionsalt` of `Pulumi.<stack>.yaml` in the program folder, where the CLI keeps it; undefined without one. */
export function stackConfigSalt(programDir: string, stack: string): string | undefined {
  const file = ["yaml", "yml"].map((ext) => path.join(programDir, `Pulumi.${stack}.${ext}`)).find((f) => fs.existsSync(f));
  if (!file) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types
  const yaml = require("js-yaml") as { load(text: string): unknown };
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { encryptionsalt?: unknown } | null;
  return typeof doc?.encryptionsalt === "string" ? doc.encryptionsalt : undefined;
}

/** Unlocked crypters by passphrase and salt: deriving a key takes 1,000,000 PBKDF2 rounds (about a second). */
const crypters = new Map<string, PassphraseCrypter>();

/**
 * The crypter of a stack with `encryptionSalt`, with the passphrase from the environment (cached per process);
 * fails with the variable to set when there is none, or when it is the wrong one.
 */
export function stackCrypter(encryptionSalt: string, where: string, env: NodeJS.ProcessEnv = process.env): PassphraseCrypter {
  const passphrase = passphraseFromEnv(env);
  if (passphrase === undefined) throw new Error(`${where} has encrypted secrets: ${NO_PASSPHRASE}`);
  const key = JSON.stringify([passphrase, encryptionSalt]);
  let crypter = crypters.get(key);
  if (!crypter) {
    crypter = PassphraseCrypter.openSync(passphrase, encryptionSalt, where);
    crypters.set(key, crypter);
  }
  return crypter;
}

/** A new stack's crypter with a fresh salt (the passphrase from the environment), as `pulumi stack init` makes one. */
export function newStackCrypter(where: string, env: NodeJS.ProcessEnv = process.env): PassphraseCrypter {
  const passphrase = passphraseFromEnv(env);
  if (passphrase === undefined) throw new Error(`${where} has secrets to encrypt: ${NO_PASSPHRASE}`);
  const crypter = PassphraseCrypter.createSync(passphrase);
  crypters.set(JSON.stringify([passphrase, crypter.encryptionSalt]), crypter);
  return crypter;
}

/** Keys of the config whose values are secrets, namespaced (`project:key`), for `PULUMI_CONFIG_SECRET_KEYS`. */
export function configSecretKeys(project: string, config: Record<string, unknown>): string[] {
  return Object.entries(config)
    .filter(([, v]) => hasSecretSig(v))
    .map(([k]) => (k.includes(":") ? k : `${project}:${k}`));
}

/** Why exported: tests build secret values with the same constants. */
export { SECRET_SIG, SIG_KEY };

/**
 * The provider's view of the stack config (`project:key` → string) with the secret keys wrapped as secrets, as the
 * engine builds a dynamic provider's config (pkg/resource/deploy/target.go:46-72).
 */
export function markSecretConfig(config: PropertyMap, secretKeys: string[]): PropertyMap {
  return filterSecretsOf(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secretKeys.includes(k) ? makeSecret(v) : v])));
}

/** Plaintexts to hide in every printed text, longest first (a process-wide filter, as the engine's is). */
let filtered: string[] = [];

/**
 * Adds strings to the secret filter, as the engine's `AddGlobalSecretFilter` does (sdk/go/common/util/logging/
 * log.go:446-500): strings shorter than 3 characters and "true"/"false" are left out, and each one's JSON-escaped
 * form is added too. The engine registers the config's secure values (pkg/engine/events.go:419-439); the driver
 * also registers every secret it meets (program registrations, provider results, the state), since the program's
 * debug log prints resource objects in full.
 */
export function addSecretFilter(strings: Iterable<string>): void {
  const next = new Set(filtered);
  for (const s of strings) {
    if (s.length < 3 || /^(true|false)$/i.test(s)) continue;
    next.add(s);
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) next.add(escaped);
  }
  if (next.size !== filtered.length) filtered = [...next].sort((a, b) => b.length - a.length);
}

/** Every string inside the secrets of a value (the strings of a secret object or array too). */
function secretStrings(value: unknown, inSecret = false): string[] {
  if (hasSecretSig(value)) return secretStrings(value.value, true);
  if (typeof value === "string") return inSecret ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretStrings(v, inSecret));
  if (value && typeof value === "object") return Object.values(value).flatMap((v) => secretStrings(v, inSecret));
  return [];
}

/** Adds the plaintexts of every secret in `value` to the filter; returns `value`. */
export function filterSecretsOf<T>(value: T): T {
  addSecretFilter(secretStrings(value));
  return value;
}

/** The text with every registered secret replaced by `[secret]` (the engine's `logging.FilterString`). */
export function filterSecrets(text: string): string {
  let out = text;
  for (const s of filtered) if (out.includes(s)) out = out.split(s).join(SECRET_MASK);
  return out;
}
